// A market's page: the order book ladder rebuilt from snapshot + deltas, the trades tape, a candlestick
// chart from the candlestick endpoint kept live by trades, and (logged in) my orders, fills and position,
// reloaded by htmx whenever my private channels report a change.
import { Feed, centsText, countText, flash, fpText, hundredths, showState, statusAfter, timeText, units } from "./feed.js";

const config = JSON.parse(document.getElementById("market-feed").textContent);
const bookPanel = document.getElementById("book");
const state = document.getElementById("conn-state");
const counts = { messages: 0, deltas: 0, snapshots: 0 };
const book = { yes: new Map(), no: new Map() }; // price in $0.0001 -> count in hundredths
const updated = { yes: new Map(), no: new Map() }; // price -> [when it last changed (ms), how: ADD, REMOVE or SNAP]
const AGED_MS = 30_000; // a level untouched this long is shown faded

function showCounts() {
  for (const [name, value] of Object.entries(counts)) document.getElementById(`count-${name}`).textContent = value;
  document.getElementById("delta-ratio").textContent = counts.snapshots ? (counts.deltas / counts.snapshots).toFixed(1) : "—";
  document.getElementById("count-resyncs").textContent = feed.resyncs;
}

function renderSide(side, changed) {
  const body = document.querySelector(`#book-${side} tbody`);
  const levels = [...book[side].entries()].sort((a, b) => b[0] - a[0]);
  const deepest = Math.max(1, ...book.yes.values(), ...book.no.values());
  body.replaceChildren(...levels.map(([price, count]) => {
    const tr = document.createElement("tr");
    tr.dataset.price = String(price);
    tr.innerHTML = `<td class="num price"></td><td class="num size"><span class="bar"></span><span class="n"></span></td><td class="num age"></td>`;
    const [when, how] = updated[side].get(price);
    tr.dataset.updated = String(when);
    tr.dataset.how = how;
    tr.querySelector(".price").textContent = centsText(price);
    tr.querySelector(".n").textContent = fpText(count);
    tr.querySelector(".bar").style.width = `${(100 * count) / deepest}%`;
    if (changed && changed.has(price)) flash(tr, side === "yes" ? "yes" : "no");
    return tr;
  }));
  document.getElementById(`levels-${side}`).textContent = levels.length;
  showAges();
}

// Each level's last change (ADD, REMOVE, or SNAP when first seen in a snapshot) and its age; old levels fade.
function showAges() {
  const now = Date.now();
  for (const tr of bookPanel.querySelectorAll("tbody tr[data-updated]")) {
    const age = Math.max(0, Math.round((now - Number(tr.dataset.updated)) / 1000));
    tr.querySelector(".age").textContent = `${tr.dataset.how} ${age}s`;
    tr.classList.toggle("aged", now - Number(tr.dataset.updated) > AGED_MS);
  }
}
setInterval(showAges, 1000);

function render(changed = { yes: null, no: null }) {
  renderSide("yes", changed.yes);
  renderSide("no", changed.no);
  showCounts();
}

function onSnapshot(msg) {
  counts.messages += 1;
  counts.snapshots += 1;
  const now = Date.now();
  for (const side of ["yes", "no"]) {
    const before = updated[side];
    book[side].clear();
    updated[side] = new Map();
    for (const [price, count] of msg[`${side}_dollars_fp`] || []) {
      book[side].set(units(price), hundredths(count));
      // A level the page already knew keeps its time; one first seen in the snapshot counts from now.
      updated[side].set(units(price), before.get(units(price)) ?? [now, "SNAP"]);
    }
  }
  bookPanel.classList.remove("stale");
  showState(state, "live");
  render();
}

function onDelta(msg) {
  counts.messages += 1;
  counts.deltas += 1;
  const side = book[msg.side];
  const price = units(msg.price_dollars);
  const count = (side.get(price) || 0) + hundredths(msg.delta_fp);
  if (count > 0) side.set(price, count);
  else side.delete(price);
  updated[msg.side].set(price, [msg.ts_ms, hundredths(msg.delta_fp) > 0 ? "ADD" : "REMOVE"]);
  const changed = { yes: null, no: null };
  changed[msg.side] = new Set([price]);
  document.getElementById("last-change").textContent =
    `${hundredths(msg.delta_fp) > 0 ? "ADD" : "REMOVE"} ${fpText(Math.abs(hundredths(msg.delta_fp)))} ${msg.side.toUpperCase()} @ ${centsText(price)} ${timeText(msg.ts_ms)}`;
  render(changed);
}

function onBookReset() {
  // Until the next snapshot arrives, what is shown may be missing changes: grey it out.
  bookPanel.classList.add("stale");
  showState(state, "resyncing");
  showCounts();
}

// --- trades tape and chart ---------------------------------------------------------------------------
const tape = document.querySelector("#tape tbody");
const chartEl = document.getElementById("chart");
const chart = LightweightCharts.createChart(chartEl, { height: 280, autoSize: true, layout: { attributionLogo: true },
  timeScale: { timeVisible: true, secondsVisible: false } });
const centsFormat = { type: "price", precision: 0, minMove: 1 };
const candles = chart.addSeries(LightweightCharts.CandlestickSeries, { priceFormat: centsFormat });
// The best YES bid and ask at each minute's close: the market's price before (or without) trades.
const quoteLine = { lineWidth: 1, priceLineVisible: false, lastValueVisible: false, priceFormat: centsFormat };
const quoteLines = {
  bid: { series: chart.addSeries(LightweightCharts.LineSeries, { ...quoteLine, color: "#0a8f5a", title: "YES bid" }), last: 0 },
  ask: { series: chart.addSeries(LightweightCharts.LineSeries, { ...quoteLine, color: "#c2410c", title: "YES ask" }), last: 0 },
};
let lastCandle = null;
const PERIOD_S = 60;
const periodEnd = (ms) => Math.ceil(Math.floor(ms / 1000) / PERIOD_S) * PERIOD_S;

// A quote of 0 (no bid) or $1 (no ask) is an empty side, not a price.
const quoted = (priceUnits) => priceUnits > 0 && priceUnits < 10000;

function setQuotes(kind, points) {
  const line = quoteLines[kind];
  line.series.setData(points);
  line.last = points.length ? points[points.length - 1].time : 0;
}

function updateQuote(kind, time, priceUnits) {
  const line = quoteLines[kind];
  if (!quoted(priceUnits) || time < line.last) return;
  line.series.update({ time, value: priceUnits / 100 });
  line.last = time;
}

async function loadCandles() {
  const end = Math.floor(Date.now() / 1000);
  const url = `/trade-api/v2/series/${encodeURIComponent(config.series)}/markets/${encodeURIComponent(config.ticker)}` +
    `/candlesticks?start_ts=${end - 6 * 3600}&end_ts=${end}&period_interval=1`;
  let data;
  try {
    const response = await fetch(url);
    if (!response.ok) return;
    data = await response.json();
  } catch {
    return; // the server is away; the chart reloads when the feed reconnects
  }
  const bars = data.candlesticks.filter((c) => c.price.open_dollars !== null).map((c) => ({
    time: c.end_period_ts,
    open: units(c.price.open_dollars) / 100, high: units(c.price.high_dollars) / 100,
    low: units(c.price.low_dollars) / 100, close: units(c.price.close_dollars) / 100,
  }));
  if (lastCandle && (!bars.length || bars[bars.length - 1].time < lastCandle.time)) bars.push(lastCandle);
  candles.setData(bars);
  lastCandle = bars.length ? bars[bars.length - 1] : lastCandle;
  for (const [kind, field] of [["bid", "yes_bid"], ["ask", "yes_ask"]]) {
    setQuotes(kind, data.candlesticks.filter((c) => quoted(units(c[field].close_dollars)))
      .map((c) => ({ time: c.end_period_ts, value: units(c[field].close_dollars) / 100 })));
  }
}

function onTicker(msg) {
  const time = periodEnd(msg.ts_ms);
  updateQuote("bid", time, units(msg.yes_bid_dollars));
  updateQuote("ask", time, units(msg.yes_ask_dollars));
}

function onTrade(msg) {
  const cents = units(msg.yes_price_dollars) / 100;
  const row = document.createElement("tr");
  row.innerHTML = "<td></td><td class='num'></td><td class='num'></td><td></td>";
  const cells = row.querySelectorAll("td");
  cells[0].textContent = timeText(msg.ts_ms);
  cells[1].textContent = centsText(units(msg.yes_price_dollars));
  cells[2].textContent = countText(msg.count_fp);
  cells[3].textContent = msg.taker_side.toUpperCase();
  tape.prepend(row);
  flash(row, "trade");
  while (tape.children.length > 50) tape.lastElementChild.remove();
  const time = periodEnd(msg.ts_ms);
  if (lastCandle && lastCandle.time === time) {
    lastCandle = { ...lastCandle, high: Math.max(lastCandle.high, cents), low: Math.min(lastCandle.low, cents), close: cents };
  } else if (!lastCandle || time > lastCandle.time) {
    lastCandle = { time, open: cents, high: cents, low: cents, close: cents };
  } else {
    return;
  }
  candles.update(lastCandle);
}

// --- the feed ------------------------------------------------------------------------------------------
let wasDown = false;
function onFeedState(s) {
  if (s !== "live") {
    wasDown = wasDown || s === "disconnected";
    showState(state, s);
    return;
  }
  if (wasDown) {
    // Trades and my order changes during the outage came over no feed: read them again.
    wasDown = false;
    loadCandles();
    if (config.private) htmx.trigger(document.body, "orders-changed");
  }
}
const feed = new Feed({ onState: onFeedState });
const markets = { market_tickers: [config.ticker] };
feed.subscribe("orderbook_delta", markets, { orderbook_snapshot: onSnapshot, orderbook_delta: onDelta }, onBookReset);
feed.subscribe("trade", markets, { trade: onTrade });
feed.subscribe("ticker", markets, { ticker: onTicker });
feed.subscribe("market_lifecycle_v2", {}, { market_lifecycle_v2: (msg) => {
  const status = statusAfter(msg);
  if (msg.market_ticker === config.ticker && status) document.getElementById("market-status").textContent = status;
} });
if (config.private) {
  const mine = () => htmx.trigger(document.body, "orders-changed");
  feed.subscribe("user_orders", markets, { user_order: mine });
  feed.subscribe("fill", markets, { fill: mine });
  feed.subscribe("market_positions", markets, { market_position: mine });
}
loadCandles();
