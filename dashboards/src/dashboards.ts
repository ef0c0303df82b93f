/**
 * The four dashboards. Every expression here is checked by test/ops against the live /metrics of the
 * running services, so a renamed metric fails a test instead of leaving an empty panel.
 */

import { bridgeOverview } from "./dashboards/bridgeOverview.js";
import { indexerHealth } from "./dashboards/indexerHealth.js";
import { relayerValidators } from "./dashboards/relayerValidators.js";
import { risk } from "./dashboards/risk.js";
import type { DashboardSpec } from "./grafana.js";

export const dashboards: DashboardSpec[] = [bridgeOverview, relayerValidators, risk, indexerHealth];
