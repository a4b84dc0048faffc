// The terminal's option table (CMD_OPTIONS_RRQ/WRQ names of docs/protocol.md §4.1 and §5.2) with per-profile defaults.
import type { SimProfile } from "./types";

/** Firmware strings as real terminals report them (docs/protocol.md §5.1). */
export const FIRMWARE: Record<SimProfile, string> = {
  tft: "Ver 6.60 Apr 26 2016",
  zk6: "Ver 6.21 Nov 19 2008",
};

/** Default option values; every name a known client reads is answered (docs/protocol.md §5.2, §14 item 9). */
export function defaultDeviceOptions(profile: SimProfile, serial: string, seed: number, host: string): Map<string, string> {
  const tft = profile === "tft";
  const mac = [0x00, 0x17, 0x61, (seed >>> 16) & 0xff, (seed >>> 8) & 0xff, seed & 0xff]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join(":");
  const entries: Array<[string, string]> = [
    ["~SerialNumber", serial],
    ["~Platform", tft ? "ZMM220_TFT" : "ZEM560"],
    ["~DeviceName", tft ? "K40/ID" : "F7/ID"],
    ["MAC", mac],
    ["~ZKFPVersion", "10"],
    ["ZKFaceVersion", "0"],
    ["~ExtendFmt", tft ? "1" : "0"],
    ["~UserExtFmt", tft ? "1" : "0"],
    ["FaceFunOn", "0"],
    ["CompatOldFirmware", "0"],
    // The address the simulator listens on; never a LAN address (house rule: nothing dials these).
    ["IPAddress", host],
    ["NetMask", "255.255.255.0"],
    ["GATEIPAddress", "0.0.0.0"],
    ["~OS", "1"],
    ["~OEMVendor", "ZKTeco Co., Ltd."],
    ["~ProductTime", "2020-11-13 16:17:40"],
    ["WorkCode", "0"],
    ["~PIN2Width", "9"],
    ["~SSR", "1"],
    ["ExtendOPLog", "1"],
    ["Language", "69"],
    ["BiometricType", "1"],
    ["FingerFunOn", "1"],
    ["~IsOnlyRFMachine", "0"],
    ["~RFCardOn", "0"],
    ["~IsABCPinEnable", "0"],
    ["~T9FunOn", "0"],
    ["DeviceID", "1"],
    ["LockOn", "1"],
    ["SDKBuild", "0"],
  ];
  return new Map(entries);
}
