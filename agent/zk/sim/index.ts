// The ZK device simulator: public entry point and types (see docs/protocol.md §14 for what it must satisfy).
export { startSimulator } from "./simulator";
export { SimError, type SimErrorCode } from "./errors";
export { generateData, prng, type GenerateRequest, type GeneratedData } from "./generate";
export type {
  CommandLogEntry,
  Fault,
  FaultTrigger,
  SimAttendanceData,
  SimData,
  SimEventForm,
  SimProfile,
  SimStateView,
  SimTemplateData,
  SimTransport,
  SimUserData,
  Simulator,
  SimulatorOptions,
} from "./types";
