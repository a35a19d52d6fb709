// version.ts - the SDK's version, as in package.json (a unit test holds them equal).
export const SDK_VERSION = '0.1.0';
