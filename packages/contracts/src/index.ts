export * from './events.ts';
export * from './position.ts';
export * from './errors.ts';
