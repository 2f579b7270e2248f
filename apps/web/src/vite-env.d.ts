/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** `1` in a test build only (`test-switches.ts`). */
  readonly VITE_SWARMLAB_TEST_SWITCHES?: string;
}
