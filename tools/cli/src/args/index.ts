// Declarative command lines: flags declared once, parsed strictly, help generated from the declaration.
export * from './command-spec';
export * from './command-line';
export * from './help-text';
export { closest, parseCommand, wantsHelp } from './parse-command';
export * from './usage.error';
