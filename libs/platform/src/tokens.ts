/** Injection tokens of the platform, apart from the module so providers it declares can use them without a cycle. */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const EVENT_STREAM = Symbol('EVENT_STREAM');
export const CLOCK = Symbol('CLOCK');
