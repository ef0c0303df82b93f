import { relations } from "ponder";
import { emodeCategory, market, position, reserve } from "./aave.js";
import { assetSupply, routeTotals, supplyViolation, transfer } from "./transfers.js";

/** Relations for Ponder's GraphQL (nested fields between tables). */
export const transferRelations = relations(transfer, ({ one }) => ({
  supply: one(assetSupply, { fields: [transfer.asset], references: [assetSupply.id] }),
}));

export const assetSupplyRelations = relations(assetSupply, ({ many }) => ({
  routes: many(routeTotals),
  violationRows: many(supplyViolation),
}));

export const routeTotalsRelations = relations(routeTotals, ({ one }) => ({
  supply: one(assetSupply, { fields: [routeTotals.asset], references: [assetSupply.id] }),
}));

export const supplyViolationRelations = relations(supplyViolation, ({ one }) => ({
  supply: one(assetSupply, { fields: [supplyViolation.asset], references: [assetSupply.id] }),
}));

export const marketRelations = relations(market, ({ many }) => ({
  reserves: many(reserve),
  emodeCategories: many(emodeCategory),
}));

export const reserveRelations = relations(reserve, ({ one, many }) => ({
  market: one(market, { fields: [reserve.protocol], references: [market.id] }),
  positions: many(position),
}));

export const emodeCategoryRelations = relations(emodeCategory, ({ one }) => ({
  market: one(market, { fields: [emodeCategory.protocol], references: [market.id] }),
}));

export const positionRelations = relations(position, ({ one }) => ({
  reserveRow: one(reserve, { fields: [position.reserveId], references: [reserve.id] }),
}));
