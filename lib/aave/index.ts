export * from "./accountData.js";
export * from "./borrow.js";
export * from "./interest.js";
export * from "./interestRateModel.js";
export * from "./liquidation.js";
export * from "./percentageMath.js";
export * from "./wadRayMath.js";
