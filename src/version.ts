// Kept equal to package.json's version by src/version.test.ts (a JSON import would not survive the build's rootDir).
export const VERSION = "0.1.0";
