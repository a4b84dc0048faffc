// Human messages of the HTTP API: Spanish by default (the seed's wording, word for word), English on request.
import type { ErrorCode } from "./errors";

export type Lang = "es" | "en";

/** What fills a message's blanks; `detail` is the raiser's own words (an agent's text, a validation issue). */
export type MessageParams = Record<string, string | number | undefined>;
type Template = (p: MessageParams) => string;
/** Device-side failures keep the agent's text (the seed: "Connection timeout to device <ip>:<port>"). */
const detailOr = (fallback: string) => (p: MessageParams) => (p.detail === undefined || p.detail === "" ? fallback : String(p.detail));
/**
 * Device-side failures as the caller reads them: our own text by code, naming the registry device, never the
 * agent's words (those stay in the agent's log); without a device (a local raiser), the raiser's words.
 */
const deviceOr = (text: (device: string) => string, fallback: string) => (p: MessageParams) =>
  p.device_id !== undefined ? text(String(p.device_id)) : detailOr(fallback)(p);
/** The seed's words, word for word, from the registry's address: "Connection timeout to device <ip>:<port>". */
const unreachable = (fallback: string) => (p: MessageParams) =>
  p.ip !== undefined && p.port !== undefined ? `Connection timeout to device ${p.ip}:${p.port}` : detailOr(fallback)(p);

const es = {
  USER_DELETED: (p) => `Usuario '${p.user_id}' eliminado.`,
  USER_NOT_FOUND: (p) => `Usuario '${p.user_id}' no encontrado.`,
  DEVICE_NOT_FOUND: (p) => `Dispositivo '${p.device_id}' no encontrado.`,
  USER_CREATED: (p) => `Usuario '${p.user_id}' creado.`,
  USER_UPDATED: (p) => `Usuario '${p.user_id}' actualizado.`,
  USER_RESTORED: (p) => `Usuario '${p.user_id}' restaurado.`,
  USER_EXISTS: (p) => `El usuario '${p.user_id}' ya existe.`,
  DEVICE_CREATED: (p) => `Dispositivo '${p.device_id}' registrado.`,
  DEVICE_UPDATED: (p) => `Dispositivo '${p.device_id}' actualizado.`,
  DEVICE_DELETED: (p) => `Dispositivo '${p.device_id}' eliminado.`,
  DEVICE_EXISTS: (p) => `El dispositivo '${p.device_id}' ya existe.`,
  ENROLL_STARTED: (p) => `Registro de huella ${p.finger} iniciado para el usuario '${p.user_id}'.`,
  TIME_SYNCED: (p) => `Hora sincronizada: ${p.time}.`,
  DOOR_UNLOCKED: (p) => `Puerta abierta durante ${p.seconds} segundos.`,
  SITE_NOT_FOUND: (p) => `Sitio '${p.site_id}' no encontrado.`,
  SITE_EXISTS: (p) => `El sitio '${p.site_id}' ya existe.`,
  SITE_NOT_EMPTY: (p) => `El sitio '${p.site_id}' todavía tiene dispositivos.`,
  SITE_REQUIRED: () => `Indique 'site': hay más de un sitio.`,
  KEY_NOT_FOUND: (p) => `Clave '${p.key_id}' no encontrada.`,
  // Webhooks (docs/webhooks.md).
  WEBHOOK_NOT_FOUND: (p) => `Webhook '${p.webhook_id}' no encontrado.`,
  DELIVERY_NOT_FOUND: (p) => `Entrega '${p.delivery_id}' no encontrada.`,
  WEBHOOKS_UNAVAILABLE: (p) => `Los webhooks no están configurados en este gateway (falta ${p.missing}).`,
  WEBHOOK_DELETED: (p) => `Webhook '${p.webhook_id}' eliminado.`,
  SNAPSHOT_NOT_FOUND: (p) => `No hay copia del usuario '${p.user_id}' para restaurar.`,
  RESTORE_IN_PROGRESS: (p) => `Ya hay una restauración en curso del usuario '${p.user_id}'.`,
  SNAPSHOT_ALREADY_RESTORED: (p) => `La copia ${p.snapshot_id} del usuario '${p.user_id}' ya fue restaurada.`,
  RESTORE_CONFLICT: (p) => `No se restauró el usuario '${p.user_id}': su user_id o su uid ya los tiene ${p.held}.`,
  RESULT_TOO_LARGE: () => `La respuesta del dispositivo es demasiado grande para el enlace del agente.`,
  AGENT_OUTDATED: (p) => `El agente del sitio '${p.site_id}' no conoce esta operación; actualícelo.`,
  AGENT_OFFLINE: (p) => `El agente del sitio '${p.site_id}' no está conectado.`,
  DEVICE_BUSY: () => `El dispositivo está ocupado; intente de nuevo.`,
  RELAY_TIMEOUT: (p) => `El dispositivo '${p.device_id}' no respondió a tiempo.`,
  UNAUTHORIZED: () => `Falta la clave de API o no es válida.`,
  AGENT_UNAUTHORIZED: () => `Falta el token del agente o no es válido.`,
  FORBIDDEN: () => `La clave de API no tiene permiso para esta operación.`,
  NOT_FOUND: () => `Ruta no encontrada.`,
  METHOD_NOT_ALLOWED: () => `Método no permitido.`,
  UPGRADE_REQUIRED: () => `Esta ruta espera una conexión WebSocket (Upgrade: websocket).`,
  VALIDATION_FAILED: (p) => `Datos no válidos: ${p.detail}`,
  BAD_REQUEST: (p) => `Solicitud no válida: ${p.detail}`,
  PAYLOAD_TOO_LARGE: () => `El cuerpo de la solicitud es demasiado grande.`,
  UNSUPPORTED_MEDIA_TYPE: () => `El cuerpo debe ser JSON (Content-Type: application/json).`,
  IDEMPOTENCY_CONFLICT: () => `La clave de idempotencia ya se usó con otra solicitud o sigue en curso.`,
  INTERNAL: () => `Error interno.`,
  AGENT_DETAIL: detailOr(`Error del agente.`),
  DEVICE_UNREACHABLE: unreachable(`No se pudo conectar con el dispositivo.`),
  DEVICE_TIMEOUT: deviceOr((d) => `El dispositivo '${d}' dejó de responder a mitad de un comando.`, `El dispositivo dejó de responder.`),
  DEVICE_AUTH_FAILED: deviceOr((d) => `El dispositivo '${d}' rechazó la clave de comunicación.`, `El dispositivo rechazó la clave de comunicación.`),
  DEVICE_DISCONNECTED: deviceOr((d) => `El dispositivo '${d}' cerró la conexión a mitad de un comando.`, `El dispositivo cerró la conexión.`),
  DEVICE_REJECTED: deviceOr((d) => `El dispositivo '${d}' rechazó la orden.`, `El dispositivo rechazó la orden.`),
  DEVICE_FULL: deviceOr((d) => `El dispositivo '${d}' no tiene ningún uid libre.`, `El dispositivo no tiene espacio libre.`),
  PROTOCOL_ERROR: deviceOr((d) => `El dispositivo '${d}' respondió algo que no es protocolo ZK válido.`, `Respuesta no válida del dispositivo.`),
  // People across terminals and terminal actions (docs/people.md).
  SCOPE_REQUIRED: () => `Indique 'sites' o 'devices': esta clave ve más de un sitio.`,
  COPY_SAME_DEVICE: (p) => `El dispositivo '${p.device_id}' es el de origen; no se copia sobre sí mismo.`,
  OFFBOARDING_DONE: (p) => `Usuario '${p.user_id}' dado de baja en todos los dispositivos.`,
  OFFBOARDING_INCOMPLETE: (p) => `La baja del usuario '${p.user_id}' no terminó en todos los dispositivos; vea 'results'.`,
  OFFBOARDING_QUEUED: (p) => `La baja del usuario '${p.user_id}' queda pendiente en los dispositivos de sitios sin agente; se aplicará cuando vuelva.`,
  OFFBOARDING_NOT_FOUND: (p) => `Baja '${p.offboarding_id}' no encontrada.`,
  UNDO_DONE: (p) => `Baja '${p.offboarding_id}' deshecha: usuario '${p.user_id}' restaurado.`,
  UNDO_INCOMPLETE: (p) => `La baja '${p.offboarding_id}' no se deshizo en todos los dispositivos; vea 'results'.`,
  COPY_DONE: (p) => `Usuario '${p.user_id}' copiado.`,
  COPY_INCOMPLETE: (p) => `El usuario '${p.user_id}' no se copió a todos los dispositivos; vea 'results'.`,
  USER_ID_CONFLICT: (p) => `El dispositivo '${p.device_id}' ya tiene a otra persona con el user_id '${p.user_id}'; no se escribió nada.`,
  USER_ENABLED_SET: (p) => (p.state === "enabled" ? `Usuario '${p.user_id}' habilitado.` : `Usuario '${p.user_id}' deshabilitado.`),
  DEVICE_RESTARTED: (p) =>
    p.time !== undefined
      ? `Dispositivo '${p.device_id}' reiniciado; volvió a responder.`
      : `Orden de reinicio enviada al dispositivo '${p.device_id}'; todavía no responde.`,
  ATTENDANCE_CLEARED: (p) => `Registro de asistencia del dispositivo '${p.device_id}' borrado (${p.cleared} registros).`,
  ATTENDANCE_COUNT_MISMATCH: (p) => `El dispositivo '${p.device_id}' no tiene el número de registros indicado en expected_count; no se borró nada.`,
  ATTENDANCE_NOT_STORED: (p) => `Los registros del dispositivo '${p.device_id}' no están todos guardados en la pasarela; no se borró nada.`,
  CORS_ORIGIN_DENIED: () => `Origen no permitido.`,
} satisfies Record<string, Template>;

export type MessageKey = keyof typeof es;

const en: Record<MessageKey, Template> = {
  USER_DELETED: (p) => `User '${p.user_id}' deleted.`,
  USER_NOT_FOUND: (p) => `User '${p.user_id}' not found.`,
  DEVICE_NOT_FOUND: (p) => `Device '${p.device_id}' not found.`,
  USER_CREATED: (p) => `User '${p.user_id}' created.`,
  USER_UPDATED: (p) => `User '${p.user_id}' updated.`,
  USER_RESTORED: (p) => `User '${p.user_id}' restored.`,
  USER_EXISTS: (p) => `User '${p.user_id}' already exists.`,
  DEVICE_CREATED: (p) => `Device '${p.device_id}' registered.`,
  DEVICE_UPDATED: (p) => `Device '${p.device_id}' updated.`,
  DEVICE_DELETED: (p) => `Device '${p.device_id}' deleted.`,
  DEVICE_EXISTS: (p) => `Device '${p.device_id}' already exists.`,
  ENROLL_STARTED: (p) => `Enrollment of finger ${p.finger} started for user '${p.user_id}'.`,
  TIME_SYNCED: (p) => `Time synchronised: ${p.time}.`,
  DOOR_UNLOCKED: (p) => `Door opened for ${p.seconds} seconds.`,
  SITE_NOT_FOUND: (p) => `Site '${p.site_id}' not found.`,
  SITE_EXISTS: (p) => `Site '${p.site_id}' already exists.`,
  SITE_NOT_EMPTY: (p) => `Site '${p.site_id}' still has devices.`,
  SITE_REQUIRED: () => `Give 'site': there is more than one site.`,
  KEY_NOT_FOUND: (p) => `Key '${p.key_id}' not found.`,
  // Webhooks (docs/webhooks.md).
  WEBHOOK_NOT_FOUND: (p) => `Webhook '${p.webhook_id}' not found.`,
  DELIVERY_NOT_FOUND: (p) => `Delivery '${p.delivery_id}' not found.`,
  WEBHOOKS_UNAVAILABLE: (p) => `Webhooks are not configured on this gateway (${p.missing} is missing).`,
  WEBHOOK_DELETED: (p) => `Webhook '${p.webhook_id}' deleted.`,
  SNAPSHOT_NOT_FOUND: (p) => `No saved copy of user '${p.user_id}' to restore.`,
  RESTORE_IN_PROGRESS: (p) => `A restore of user '${p.user_id}' is already in progress.`,
  SNAPSHOT_ALREADY_RESTORED: (p) => `Snapshot ${p.snapshot_id} of user '${p.user_id}' was already restored.`,
  RESTORE_CONFLICT: (p) => `User '${p.user_id}' not restored: its user_id or uid is held by ${p.held}.`,
  RESULT_TOO_LARGE: () => `The device's answer is too large for the agent link.`,
  AGENT_OUTDATED: (p) => `The agent of site '${p.site_id}' does not know this operation; upgrade it.`,
  AGENT_OFFLINE: (p) => `The agent of site '${p.site_id}' is not connected.`,
  DEVICE_BUSY: () => `The device is busy; try again.`,
  RELAY_TIMEOUT: (p) => `Device '${p.device_id}' did not answer in time.`,
  UNAUTHORIZED: () => `Missing or invalid API key.`,
  AGENT_UNAUTHORIZED: () => `Missing or invalid agent token.`,
  FORBIDDEN: () => `This API key may not do that.`,
  NOT_FOUND: () => `Route not found.`,
  METHOD_NOT_ALLOWED: () => `Method not allowed.`,
  UPGRADE_REQUIRED: () => `This route expects a WebSocket upgrade (Upgrade: websocket).`,
  VALIDATION_FAILED: (p) => `Invalid input: ${p.detail}`,
  BAD_REQUEST: (p) => `Bad request: ${p.detail}`,
  PAYLOAD_TOO_LARGE: () => `Request body too large.`,
  UNSUPPORTED_MEDIA_TYPE: () => `The body must be JSON (Content-Type: application/json).`,
  IDEMPOTENCY_CONFLICT: () => `This idempotency key was used for another request or is still in progress.`,
  INTERNAL: () => `Internal error.`,
  AGENT_DETAIL: detailOr(`Agent error.`),
  DEVICE_UNREACHABLE: unreachable(`Could not connect to the device.`),
  DEVICE_TIMEOUT: deviceOr((d) => `Device '${d}' stopped answering in the middle of a command.`, `The device stopped answering.`),
  DEVICE_AUTH_FAILED: deviceOr((d) => `Device '${d}' refused the comm key.`, `The device rejected the communication key.`),
  DEVICE_DISCONNECTED: deviceOr((d) => `Device '${d}' closed the connection in the middle of a command.`, `The device closed the connection.`),
  DEVICE_REJECTED: deviceOr((d) => `Device '${d}' refused the command.`, `The device refused the command.`),
  DEVICE_FULL: deviceOr((d) => `Device '${d}' has no free uid left.`, `The device has no free space.`),
  PROTOCOL_ERROR: deviceOr((d) => `Device '${d}' sent bytes that are not valid ZK protocol.`, `Invalid answer from the device.`),
  // People across terminals and terminal actions (docs/people.md).
  SCOPE_REQUIRED: () => `Give 'sites' or 'devices': this key sees more than one site.`,
  COPY_SAME_DEVICE: (p) => `Device '${p.device_id}' is the source; a user is not copied over itself.`,
  OFFBOARDING_DONE: (p) => `User '${p.user_id}' offboarded from every device.`,
  OFFBOARDING_INCOMPLETE: (p) => `Offboarding of user '${p.user_id}' did not finish on every device; see 'results'.`,
  OFFBOARDING_QUEUED: (p) => `Offboarding of user '${p.user_id}' is queued for the devices of sites without an agent; it is applied when it returns.`,
  OFFBOARDING_NOT_FOUND: (p) => `Offboarding '${p.offboarding_id}' not found.`,
  UNDO_DONE: (p) => `Offboarding '${p.offboarding_id}' undone: user '${p.user_id}' restored.`,
  UNDO_INCOMPLETE: (p) => `Offboarding '${p.offboarding_id}' was not undone on every device; see 'results'.`,
  COPY_DONE: (p) => `User '${p.user_id}' copied.`,
  COPY_INCOMPLETE: (p) => `User '${p.user_id}' was not copied to every device; see 'results'.`,
  USER_ID_CONFLICT: (p) => `Device '${p.device_id}' holds another person under user_id '${p.user_id}'; nothing was written.`,
  USER_ENABLED_SET: (p) => (p.state === "enabled" ? `User '${p.user_id}' enabled.` : `User '${p.user_id}' disabled.`),
  DEVICE_RESTARTED: (p) =>
    p.time !== undefined
      ? `Device '${p.device_id}' restarted; it answers again.`
      : `Restart sent to device '${p.device_id}'; it does not answer yet.`,
  ATTENDANCE_CLEARED: (p) => `Attendance log of device '${p.device_id}' cleared (${p.cleared} records).`,
  ATTENDANCE_COUNT_MISMATCH: (p) => `Device '${p.device_id}' does not hold the number of records given in expected_count; nothing was cleared.`,
  ATTENDANCE_NOT_STORED: (p) => `Not every record of device '${p.device_id}' is stored at the gateway; nothing was cleared.`,
  CORS_ORIGIN_DENIED: () => `Origin not allowed.`,
};

// Every error code has its own message (shared/errors.ts: an error's default message key is its code).
const _everyCode: Record<ErrorCode, Template> = es;
void _everyCode;

const TABLES: Record<Lang, Record<MessageKey, Template>> = { es, en };

/** The message `key` in `lang`, with `params` filled in. */
export function message(lang: Lang, key: MessageKey, params: MessageParams = {}): string {
  return TABLES[lang][key](params);
}

/** Picks the language from an Accept-Language header: English if it prefers `en`, else Spanish. */
export function pickLang(acceptLanguage: string | null | undefined): Lang {
  if (!acceptLanguage) return "es";
  const first = acceptLanguage.split(",")[0]?.trim().toLowerCase() ?? "";
  return first.startsWith("en") ? "en" : "es";
}

export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(es, key);
}
