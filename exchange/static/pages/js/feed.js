// A client of the exchange's public WebSocket (/trade-api/ws/v2), the same protocol any bot speaks.
// The browser's session cookie authenticates the private channels. One subscription per channel, so
// each has one sid and one run of seq numbers: a gap drops that sid and subscribes afresh, which
// starts over from a snapshot. A closed connection reconnects with backoff and resubscribes.

export class Feed {
  constructor({ onState = () => {} } = {}) {
    this.subs = [];
    this.byId = new Map();
    this.bySid = new Map();
    this.nextId = 1;
    this.backoffMs = 250;
    this.onState = onState;
    this.resyncs = 0;
    this.connect();
  }

  url() {
    return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/trade-api/ws/v2`;
  }

  connect() {
    this.onState("connecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      this.backoffMs = 250;
      this.onState("live");
      for (const sub of this.subs) this.send(sub);
    };
    ws.onmessage = (event) => this.dispatch(JSON.parse(event.data));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.onState("disconnected");
      this.byId.clear();
      this.bySid.clear();
      for (const sub of this.subs) this.reset(sub);
      setTimeout(() => this.connect(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 4000);
    };
  }

  // `handlers` maps message types (orderbook_snapshot, trade, ...) to functions of (msg, frame);
  // `onReset` runs whenever what was received so far can no longer be trusted.
  subscribe(channel, params, handlers, onReset = () => {}) {
    const sub = { channel, params, handlers, onReset, sid: null, seq: null };
    this.subs.push(sub);
    if (this.ws.readyState === WebSocket.OPEN) this.send(sub);
    return sub;
  }

  send(sub) {
    const id = this.nextId++;
    sub.sid = null;
    sub.seq = null;
    this.byId.set(id, sub);
    this.ws.send(JSON.stringify({ id, cmd: "subscribe", params: { channels: [sub.channel], ...sub.params } }));
  }

  reset(sub) {
    sub.sid = null;
    sub.seq = null;
    sub.onReset();
  }

  resync(sub) {
    this.resyncs += 1;
    this.bySid.delete(sub.sid);
    this.ws.send(JSON.stringify({ id: this.nextId++, cmd: "unsubscribe", params: { sids: [sub.sid] } }));
    this.reset(sub);
    this.send(sub);
  }

  dispatch(frame) {
    if (frame.type === "subscribed") {
      const sub = this.byId.get(frame.id);
      if (sub) {
        this.byId.delete(frame.id);
        sub.sid = frame.msg.sid;
        this.bySid.set(sub.sid, sub);
      }
      return;
    }
    if (frame.type === "error") {
      const sub = this.byId.get(frame.id);
      if (sub && sub.handlers.error) sub.handlers.error(frame.msg, frame);
      return;
    }
    const sub = this.bySid.get(frame.sid);
    const handler = sub && sub.handlers[frame.type];
    if (!handler) return; // acknowledgements, or a sid this page already dropped
    if (typeof frame.seq === "number") {
      if (sub.seq !== null && frame.seq !== sub.seq + 1) {
        this.resync(sub);
        return;
      }
      sub.seq = frame.seq;
    }
    handler(frame.msg, frame);
  }
}

// Display helpers. Prices arrive as dollar strings with four decimals ("0.4700"); they are turned into
// integer $0.0001 units by string arithmetic, never through floating point.
export function units(dollars) {
  const [whole, frac = ""] = String(dollars).split(".");
  return Number(whole) * 10000 + Number((frac + "0000").slice(0, 4));
}

export function centsText(priceUnits) {
  if (!priceUnits) return "—";
  const whole = Math.trunc(priceUnits / 100);
  const part = priceUnits % 100;
  return part ? `${whole}.${String(part).padStart(2, "0").replace(/0$/, "")}¢` : `${whole}¢`;
}

// Counts arrive as fixed-point strings ("10.00", "-2.50"); the book keeps integer hundredths.
export function hundredths(fp) {
  const negative = String(fp).startsWith("-");
  const [whole, frac = ""] = String(fp).replace("-", "").split(".");
  const value = Number(whole) * 100 + Number((frac + "00").slice(0, 2));
  return negative ? -value : value;
}

export function fpText(count) {
  const whole = Math.trunc(count / 100);
  const part = count % 100;
  return part ? `${whole}.${String(part).padStart(2, "0").replace(/0$/, "")}` : String(whole);
}

export function countText(fp) {
  return String(fp).replace(/\.00$/, "").replace(/(\.\d)0$/, "$1");
}

export function timeText(ms) {
  return new Date(ms).toISOString().slice(11, 19);
}

// Restart a flash animation on `el` (it may still be running from the previous change).
export function flash(el, kind) {
  for (const name of ["flash-yes", "flash-no", "flash-book", "flash-trade"]) el.classList.remove(name);
  void el.offsetWidth;
  el.classList.add(`flash-${kind}`);
}

export function showState(el, state) {
  el.textContent = state;
  el.className = `pill ${state}`;
}

// A market's status after a market_lifecycle_v2 event, or null when the event does not change it.
const STATUS_AFTER = { activated: "active", deactivated: "inactive", determined: "determined", settled: "finalized" };
export function statusAfter(msg) {
  if (msg.event_type === "close_date_updated") return msg.close_ts * 1000 <= Date.now() ? "closed" : null;
  return STATUS_AFTER[msg.event_type] || null;
}
