// Wire constants of the ZK protocol (docs/protocol.md §3), named as in the vendor manual in the comments.

/** Command codes, client → device unless noted (docs/protocol.md §3.1). */
export const CMD = {
  dbRrq: 7, // CMD_DB_RRQ
  userWrq: 8, // CMD_USER_WRQ
  userTempRrq: 9, // CMD_USERTEMP_RRQ
  userTempWrq: 10, // CMD_USERTEMP_WRQ
  optionsRrq: 11, // CMD_OPTIONS_RRQ
  optionsWrq: 12, // CMD_OPTIONS_WRQ
  attLogRrq: 13, // CMD_ATTLOG_RRQ
  clearData: 14, // CMD_CLEAR_DATA
  clearAttLog: 15, // CMD_CLEAR_ATTLOG
  deleteUser: 18, // CMD_DELETE_USER
  deleteUserTemp: 19, // CMD_DELETE_USERTEMP
  clearAdmin: 20, // CMD_CLEAR_ADMIN
  unlock: 31, // CMD_UNLOCK
  clearOpLog: 33, // CMD_CLEAR_OPLOG
  opLogRrq: 34, // CMD_OPLOG_RRQ
  getFreeSizes: 50, // CMD_GET_FREE_SIZES
  enableClock: 57, // CMD_ENABLE_CLOCK
  startVerify: 60, // CMD_STARTVERIFY
  startEnroll: 61, // CMD_STARTENROLL
  cancelCapture: 62, // CMD_CANCELCAPTURE
  stateRrq: 64, // CMD_STATE_RRQ
  writeLcd: 66, // CMD_WRITE_LCD
  clearLcd: 67, // CMD_CLEAR_LCD
  getPinWidth: 69, // CMD_GET_PINWIDTH
  doorStateRrq: 75, // CMD_DOORSTATE_RRQ
  tmpWrite: 87, // CMD_TMP_WRITE
  getUserTemp: 88, // _CMD_GET_USERTEMP (undocumented)
  saveUserTemps: 110, // _CMD_SAVE_USERTEMPS (undocumented)
  checksumBuffer: 119, // CMD_CHECKSUM_BUFFER
  delUserTempById: 134, // _CMD_DEL_USER_TEMP / CMD_DEL_FPTMP
  getTime: 201, // CMD_GET_TIME
  setTime: 202, // CMD_SET_TIME
  regEvent: 500, // CMD_REG_EVENT (also the code of device event packets)
  connect: 1000, // CMD_CONNECT
  exit: 1001, // CMD_EXIT
  enableDevice: 1002, // CMD_ENABLEDEVICE
  disableDevice: 1003, // CMD_DISABLEDEVICE
  restart: 1004, // CMD_RESTART
  powerOff: 1005, // CMD_POWEROFF
  sleep: 1006, // CMD_SLEEP
  resume: 1007, // CMD_RESUME
  captureFinger: 1009, // CMD_CAPTUREFINGER
  testTemp: 1011, // CMD_TEST_TEMP
  captureImage: 1012, // CMD_CAPTUREIMAGE
  refreshData: 1013, // CMD_REFRESHDATA
  refreshOption: 1014, // CMD_REFRESHOPTION
  testVoice: 1017, // CMD_TESTVOICE
  getVersion: 1100, // CMD_GET_VERSION
  changeSpeed: 1101, // CMD_CHANGE_SPEED
  auth: 1102, // CMD_AUTH
  prepareData: 1500, // CMD_PREPARE_DATA
  data: 1501, // CMD_DATA
  freeData: 1502, // CMD_FREE_DATA
  prepareBuffer: 1503, // _CMD_PREPARE_BUFFER = CMD_DATA_WRRQ
  readBuffer: 1504, // _CMD_READ_BUFFER = CMD_DATA_RDY
} as const;

/** Reply codes, device → client (docs/protocol.md §3.2). */
export const REPLY = {
  ackOk: 2000, // CMD_ACK_OK
  ackError: 2001, // CMD_ACK_ERROR
  ackData: 2002, // CMD_ACK_DATA
  ackRetry: 2003, // CMD_ACK_RETRY
  ackRepeat: 2004, // CMD_ACK_REPEAT
  ackUnauth: 2005, // CMD_ACK_UNAUTH
  ackUnknown: 0xffff, // CMD_ACK_UNKNOWN
  ackErrorCmd: 0xfffd, // CMD_ACK_ERROR_CMD
  ackErrorInit: 0xfffc, // CMD_ACK_ERROR_INIT
  ackErrorData: 0xfffb, // CMD_ACK_ERROR_DATA
} as const;

/** Realtime event flags: CMD_REG_EVENT mask bits and the event code in an event's session field (§3.3, §11). */
export const EF = {
  attLog: 1, // EF_ATTLOG
  finger: 2, // EF_FINGER
  enrollUser: 4, // EF_ENROLLUSER
  enrollFinger: 8, // EF_ENROLLFINGER
  button: 16, // EF_BUTTON
  unlock: 32, // EF_UNLOCK
  verify: 128, // EF_VERIFY
  fpftr: 256, // EF_FPFTR
  alarm: 512, // EF_ALARM
} as const;

/** Table ids for _CMD_PREPARE_BUFFER and CMD_CLEAR_DATA (§3.3). */
export const FCT = {
  attLog: 1, // FCT_ATTLOG
  fingerTmp: 2, // FCT_FINGERTMP
  opLog: 4, // FCT_OPLOG
  user: 5, // FCT_USER
  sms: 6, // FCT_SMS
  udata: 7, // FCT_UDATA
  workCode: 8, // FCT_WORKCODE
} as const;

/** Default port, for UDP and TCP alike (§1). */
export const ZK_PORT = 4370;
/** Bytes of the ZK header (§2.1) and of the TCP frame prefix (§1.2). */
export const HEADER_SIZE = 8;
export const TCP_PREFIX_SIZE = 8;
/** Largest payload of one UDP data packet (§1.3). */
export const UDP_DATA_MAX = 1024;
/** Chunk sizes of READ_BUFFER as pyzk uses them (§7.4). */
export const CHUNK_TCP = 65472;
export const CHUNK_UDP = 16384;

/** Replies that mean success (pyzk's rule, §3.2). */
export function isSuccessReply(code: number): boolean {
  return code === REPLY.ackOk || code === CMD.prepareData || code === CMD.data;
}

const NAMES = new Map<number, string>([
  ...Object.entries(REPLY).map(([k, v]) => [v, k] as [number, string]),
  ...Object.entries(CMD).map(([k, v]) => [v, k] as [number, string]),
]);

/** Our name of a command or reply code, for messages and logs ("prepareBuffer (1503)"). */
export function commandName(code: number): string {
  const name = NAMES.get(code);
  return name ? `${name} (${code})` : String(code);
}
