// Pages that show my account reload their tables (htmx, on "orders-changed") whenever my private
// channels report an order, fill or position change in any market.
import { Feed, showState } from "./feed.js";

const state = document.getElementById("conn-state");
const feed = new Feed({ onState: (s) => showState(state, s) });
const changed = () => htmx.trigger(document.body, "orders-changed");
feed.subscribe("user_orders", {}, { user_order: changed });
feed.subscribe("fill", {}, { fill: changed });
feed.subscribe("market_positions", {}, { market_position: changed });
