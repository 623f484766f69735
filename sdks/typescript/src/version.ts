/** The package's version (test/package.test.ts checks it against package.json), sent in the user agent. */
export const VERSION = '0.1.0';
