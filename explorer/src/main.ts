import "./style.css";
import { indexedStatus } from "./api.js";
import { h, replace } from "./dom.js";
import { duration } from "./format.js";
import { classifySearch } from "./search.js";
import { backingView } from "./views/backing.js";
import { riskView } from "./views/risk.js";
import { transferView } from "./views/transfer.js";
import { transfersView } from "./views/transfers.js";

/**
 * Hash router: #/transfers?filters, #/transfer/<id or tx hash>, #/backing, #/risk?protocol=.
 * Each view renders its frame once and returns a refresh function; while "live" is ticked the current
 * view refreshes every POLL_MS and the header says how old its data is.
 */
const POLL_MS = 3_000;
const view = document.getElementById("view")!;
const age = document.getElementById("age")!;
const live = document.getElementById("live") as HTMLInputElement;
let refresh: (() => Promise<void>) | undefined;
let generation = 0;
let fetchedAt: number | undefined;
let indexedAt: number | undefined;
let failing: string | undefined;
let busy = false;

/** Refreshes the current view; a poll tick skips while one is running, a new view never does. */
async function run(current: number, tick = false): Promise<void> {
  if (!refresh || (tick && busy)) return;
  busy = true;
  try {
    const [status] = await Promise.all([indexedStatus().catch(() => undefined), refresh()]);
    if (current !== generation) return;
    fetchedAt = Date.now();
    const times = Object.values(status ?? {}).flatMap((c) => (c.block ? [c.block.timestamp] : []));
    indexedAt = times.length ? Math.min(...times) * 1000 : undefined;
    failing = undefined;
    document.body.dataset.loaded = String(fetchedAt);
  } catch (error) {
    failing = (error as Error).message;
  } finally {
    busy = false;
    showAge();
  }
}

function showAge(): void {
  const parts: string[] = [];
  if (fetchedAt !== undefined) parts.push(`updated ${duration((Date.now() - fetchedAt) / 1000)} ago`);
  if (indexedAt !== undefined) parts.push(`indexed blocks ${duration((Date.now() - indexedAt) / 1000)} old`);
  if (failing) parts.push(`last refresh failed: ${failing}`);
  age.textContent = parts.join(" · ") || "loading…";
  age.classList.toggle("bad", failing !== undefined);
}

async function route(): Promise<void> {
  const current = ++generation;
  refresh = undefined;
  fetchedAt = undefined;
  delete document.body.dataset.loaded;
  const [path = "", query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const params = new URLSearchParams(query);
  const [name = "transfers", arg = ""] = path.split("/");
  for (const link of document.querySelectorAll<HTMLAnchorElement>("[data-nav]"))
    link.classList.toggle("active", link.dataset.nav === (name === "transfer" ? "transfers" : name));
  try {
    const next =
      name === "transfer"
        ? await transferView(view, arg.toLowerCase())
        : name === "backing"
          ? await backingView(view)
          : name === "risk"
            ? await riskView(view, params)
            : await transfersView(view, params);
    if (current !== generation) return;
    refresh = next;
    await run(current);
  } catch (error) {
    replace(
      view,
      h("p", { class: "error", role: "alert" }, `Could not load this view: ${(error as Error).message}`),
    );
  }
}

document.getElementById("search")!.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const input = classifySearch(String(new FormData(form).get("q") ?? ""));
  if (input.kind === "hash") location.hash = `#/transfer/${input.value}`;
  else if (input.kind === "address") location.hash = `#/transfers?address=${input.value}`;
  else
    replace(
      view,
      h("h1", {}, "Search"),
      h("p", { class: "error", role: "alert", "data-testid": "search-error" }, input.message),
    );
});

window.addEventListener("hashchange", () => void route());
setInterval(() => {
  if (live.checked) void run(generation, true);
}, POLL_MS);
setInterval(showAge, 1_000);
void route();
