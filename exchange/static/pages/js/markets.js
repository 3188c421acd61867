// The markets grid: best YES and NO bids and volume from `ticker`, the last book change from
// `orderbook_delta`, the last trade from `trade`. Each cell flashes when it changes.
import { Feed, centsText, countText, flash, showState, statusAfter, timeText, units } from "./feed.js";

const grid = document.getElementById("markets");
const tickers = JSON.parse(document.getElementById("market-tickers").textContent);
const state = document.getElementById("conn-state");
const rows = new Map([...grid.querySelectorAll("tr[data-ticker]")].map((tr) => [tr.dataset.ticker, tr]));

function setCell(tr, name, text, kind) {
  const cell = tr.querySelector(`.c-${name}`);
  if (cell.textContent === text) return;
  cell.textContent = text;
  flash(cell, kind);
}

function onTicker(msg) {
  const tr = rows.get(msg.market_ticker);
  if (!tr) return;
  const yesBid = units(msg.yes_bid_dollars);
  const noBid = 10000 - units(msg.yes_ask_dollars);
  setCell(tr, "yes-bid", centsText(yesBid), "yes");
  setCell(tr, "no-bid", centsText(noBid), "no");
  setCell(tr, "volume", countText(msg.volume_fp), "trade");
  setCell(tr, "oi", countText(msg.open_interest_fp), "trade");
}

function onDelta(msg) {
  const tr = rows.get(msg.market_ticker);
  if (!tr) return;
  const delta = Number(msg.delta_fp);
  const verb = delta > 0 ? "ADD" : "REMOVE";
  const side = msg.side === "yes" ? "YES" : "NO";
  setCell(tr, "change", `${verb} ${countText(msg.delta_fp.replace("-", ""))} ${side} @ ${centsText(units(msg.price_dollars))} ${timeText(msg.ts_ms)}`, "book");
}

function onTrade(msg) {
  const tr = rows.get(msg.market_ticker);
  if (!tr) return;
  setCell(tr, "trade", `${centsText(units(msg.yes_price_dollars))} × ${countText(msg.count_fp)} ${timeText(msg.ts_ms)}`, "trade");
}

function onLifecycle(msg) {
  const tr = rows.get(msg.market_ticker);
  const status = statusAfter(msg);
  if (tr && status) setCell(tr, "status", status, "book");
}

const feed = new Feed({ onState: (s) => showState(state, s) });
feed.subscribe("ticker", {}, { ticker: onTicker });
feed.subscribe("trade", {}, { trade: onTrade });
feed.subscribe("market_lifecycle_v2", {}, { market_lifecycle_v2: onLifecycle });
if (tickers.length) {
  // The snapshot only starts the stream here; this page shows changes, not the book.
  feed.subscribe("orderbook_delta", { market_tickers: tickers }, { orderbook_snapshot: () => {}, orderbook_delta: onDelta });
}
