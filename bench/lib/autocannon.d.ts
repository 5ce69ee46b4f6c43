// autocannon ships no type declarations; bench/lib/load.ts uses it untyped.
declare module 'autocannon';
