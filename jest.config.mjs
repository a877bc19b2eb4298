// Two projects: fast unit tests run in parallel; *.e2e.test.ts run in band around one shared Gateway.
const common = {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: { "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "tsconfig.json" }] },
  transformIgnorePatterns: ["/node_modules/"],
};

export default {
  // A global option (jest ignores it inside a project): e2e tests also set their own, longer ones.
  testTimeout: 30000,
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      testPathIgnorePatterns: ["\\.e2e\\.test\\.ts$", "/node_modules/"],
      // A private TMPDIR for the run; temp dirs a test leaves behind fail it (test/support/tmp-guard.ts).
      globalSetup: "<rootDir>/test/support/unit-global-setup.ts",
      globalTeardown: "<rootDir>/test/support/unit-global-teardown.ts",
    },
    {
      ...common,
      displayName: "e2e",
      testMatch: ["<rootDir>/test/**/*.e2e.test.ts"],
      globalSetup: "<rootDir>/test/support/global-setup.ts",
      globalTeardown: "<rootDir>/test/support/global-teardown.ts",
    },
  ],
};
