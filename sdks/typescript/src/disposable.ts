// `await using` (TypeScript's downlevelled helpers) and the mission's dispose method look up Symbol.asyncDispose.
// Node defines it since 18.18 and 20.4; an older runtime gets the well-known symbol the helpers fall back to.
(Symbol as { asyncDispose?: symbol }).asyncDispose ??= Symbol.for('Symbol.asyncDispose');

export {};
