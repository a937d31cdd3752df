// One swc configuration for Jest (@swc/jest) and for running TypeScript sources directly
// (scripts/register-ts.js): legacy decorators with metadata, as NestJS's DI needs, and ES modules.
export const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};
