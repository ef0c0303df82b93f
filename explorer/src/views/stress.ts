import { type Meta, riskQuery } from "../api.js";
import { h, replace, table } from "../dom.js";
import { usd } from "../format.js";

export type StressInput =
  | { ok: true; scenario: Record<string, unknown>; label: string }
  | { ok: false; field: string; message: string };

/**
 * Checks the form before asking the API (the API rejects the same with BAD_USER_INPUT): a shock is a
 * percentage in [0, 100), a recovery rate a fraction in [0, 1].
 */
export function parseStress(
  kind: string,
  asset: string,
  shockPercent: string,
  bridge: string,
  recovery: string,
): StressInput {
  if (kind === "bridgeFailure") {
    const rho = Number(recovery);
    if (recovery.trim() === "" || !Number.isFinite(rho) || rho < 0 || rho > 1)
      return { ok: false, field: "recovery", message: `recovery must be between 0 and 1, got "${recovery}"` };
    return {
      ok: true,
      scenario: { bridgeFailure: { bridge, recovery: rho } },
      label: `bridge ${bridge} fails, ${rho * 100}% recovered`,
    };
  }
  const shock = Number(shockPercent);
  if (shockPercent.trim() === "" || !Number.isFinite(shock) || shock < 0 || shock >= 100)
    return {
      ok: false,
      field: "shock",
      message: `shock must be at least 0 % and below 100 %, got "${shockPercent}"`,
    };
  return {
    ok: true,
    scenario: { priceShock: { asset: asset || null, shock: shock / 100 } },
    label: `${asset || "every collateral"} price −${shock}%`,
  };
}

const query = `query($s: StressScenario!) { stressTest(scenario: $s) {
  ... on BridgeFailureResult { badDebtUsd liquidatableDebtUsd positionsLiquidatable positionsSkipped lendersLossUsd wrappedSupplyHaircutUsd protocols { protocol { id } badDebtUsd liquidatableDebtUsd positionsLiquidatable } }
  ... on PriceShockResult { rounds converged badDebtUsd repaidUsd liquidatedPositions positionsSkipped remainingDebtUsd protocols { protocol { id } badDebtUsd repaidUsd liquidatedPositions } }
} }`;

type Result = Record<string, number | boolean> & {
  protocols: (Record<string, number> & { protocol: { id: string } })[];
};

export function stressForm(m: Meta): HTMLElement {
  const kind = h(
    "select",
    { name: "kind", "aria-label": "scenario" },
    h("option", { value: "priceShock" }, "price shock"),
    h("option", { value: "bridgeFailure" }, "bridge failure"),
  );
  const asset = h(
    "select",
    { name: "asset", "aria-label": "asset" },
    h("option", { value: "" }, "every asset"),
    m.assets.map((a) => h("option", { value: a.symbol }, a.symbol)),
  );
  const shock = h("input", { name: "shock", value: "20", size: 5, "aria-label": "shock percent" });
  const bridge = h(
    "select",
    { name: "bridge", "aria-label": "bridge" },
    [m.bridgeId, ...(m.otherBridges ?? []).map((b) => b.id)].map((id) => h("option", { value: id }, id)),
  );
  const recovery = h("input", { name: "recovery", value: "0.5", size: 5, "aria-label": "recovery rate" });
  const message = h("p", { class: "error", role: "alert", "data-testid": "stress-error" });
  const result = h("div", { "data-testid": "stress-result" });
  const form = h(
    "form",
    { class: "filters", "data-testid": "stress-form" },
    kind,
    h("label", {}, " asset ", asset),
    h("label", {}, " shock ", shock, " %"),
    h("label", {}, " bridge ", bridge),
    h("label", {}, " recovery ", recovery),
    h("button", { type: "submit" }, "Run"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = parseStress(kind.value, asset.value, shock.value, bridge.value, recovery.value);
    message.textContent = "";
    if (!input.ok) {
      message.textContent = input.message;
      message.dataset.field = input.field;
      return;
    }
    replace(result, h("p", { class: "muted" }, "running…"));
    try {
      const data = await riskQuery<{ stressTest: Result }>(query, { s: input.scenario });
      const r = data.stressTest;
      const figures = Object.entries(r).filter(([k]) => k !== "protocols");
      replace(
        result,
        h("h3", {}, input.label),
        table(["figure", "value"], figures, ([k, v]) => [
          k,
          h(
            "span",
            { "data-figure": k, "data-value": String(v) },
            typeof v === "number" && /Usd$/.test(k) ? usd(v) : String(v),
          ),
        ]),
        table(["protocol", "bad debt", "liquidated / liquidatable"], r.protocols, (p) => [
          p.protocol.id,
          usd(p.badDebtUsd),
          String(p.liquidatedPositions ?? p.positionsLiquidatable),
        ]),
      );
    } catch (error) {
      replace(result);
      message.textContent = (error as Error).message;
    }
  });
  return h("div", {}, form, message, result);
}
