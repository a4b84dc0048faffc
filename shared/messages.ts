// Human messages of the HTTP API: Spanish by default (the seed's wording, word for word), English on request.
export type Lang = "es" | "en";

type Params = Record<string, string | number>;
type Template = (p: Params) => string;

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
  SITE_NOT_FOUND: (p) => `Sitio '${p.site_id}' no encontrado.`,
  SITE_EXISTS: (p) => `El sitio '${p.site_id}' ya existe.`,
  SITE_NOT_EMPTY: (p) => `El sitio '${p.site_id}' todavía tiene dispositivos.`,
  SITE_REQUIRED: () => `Indique 'site': hay más de un sitio.`,
  KEY_NOT_FOUND: (p) => `Clave '${p.key_id}' no encontrada.`,
  SNAPSHOT_NOT_FOUND: (p) => `No hay copia del usuario '${p.user_id}' para restaurar.`,
  RESTORE_IN_PROGRESS: (p) => `Ya hay una restauración en curso del usuario '${p.user_id}'.`,
  SNAPSHOT_ALREADY_RESTORED: (p) => `La copia ${p.snapshot_id} del usuario '${p.user_id}' ya fue restaurada.`,
  RESTORE_CONFLICT: (p) => `No se restauró el usuario '${p.user_id}': su user_id o su uid ya los tiene ${p.held}.`,
  RESULT_TOO_LARGE: () => `La respuesta del dispositivo es demasiado grande para el enlace del agente.`,
  AGENT_OUTDATED: (p) => `El agente del sitio '${p.site_id}' no conoce esta operación; actualícelo.`,
  DEVICE_TIMEOUT: (p) => `El dispositivo '${p.device_id}' dejó de responder a mitad de un comando.`,
  DEVICE_AUTH_FAILED: (p) => `El dispositivo '${p.device_id}' rechazó la clave de comunicación.`,
  DEVICE_DISCONNECTED: (p) => `El dispositivo '${p.device_id}' cerró la conexión a mitad de un comando.`,
  DEVICE_REJECTED: (p) => `El dispositivo '${p.device_id}' rechazó el comando.`,
  DEVICE_FULL: (p) => `El dispositivo '${p.device_id}' no tiene ningún uid libre.`,
  PROTOCOL_ERROR: (p) => `El dispositivo '${p.device_id}' respondió algo que no es protocolo ZK válido.`,
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
  SITE_NOT_FOUND: (p) => `Site '${p.site_id}' not found.`,
  SITE_EXISTS: (p) => `Site '${p.site_id}' already exists.`,
  SITE_NOT_EMPTY: (p) => `Site '${p.site_id}' still has devices.`,
  SITE_REQUIRED: () => `Give 'site': there is more than one site.`,
  KEY_NOT_FOUND: (p) => `Key '${p.key_id}' not found.`,
  SNAPSHOT_NOT_FOUND: (p) => `No saved copy of user '${p.user_id}' to restore.`,
  RESTORE_IN_PROGRESS: (p) => `A restore of user '${p.user_id}' is already in progress.`,
  SNAPSHOT_ALREADY_RESTORED: (p) => `Snapshot ${p.snapshot_id} of user '${p.user_id}' was already restored.`,
  RESTORE_CONFLICT: (p) => `User '${p.user_id}' not restored: its user_id or uid is held by ${p.held}.`,
  RESULT_TOO_LARGE: () => `The device's answer is too large for the agent link.`,
  AGENT_OUTDATED: (p) => `The agent of site '${p.site_id}' does not know this operation; upgrade it.`,
  DEVICE_TIMEOUT: (p) => `Device '${p.device_id}' stopped answering in the middle of a command.`,
  DEVICE_AUTH_FAILED: (p) => `Device '${p.device_id}' refused the comm key.`,
  DEVICE_DISCONNECTED: (p) => `Device '${p.device_id}' closed the connection in the middle of a command.`,
  DEVICE_REJECTED: (p) => `Device '${p.device_id}' refused the command.`,
  DEVICE_FULL: (p) => `Device '${p.device_id}' has no free uid left.`,
  PROTOCOL_ERROR: (p) => `Device '${p.device_id}' sent bytes that are not valid ZK protocol.`,
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
};

const TABLES: Record<Lang, Record<MessageKey, Template>> = { es, en };

/** The message `key` in `lang`, with `params` filled in. */
export function message(lang: Lang, key: MessageKey, params: Params = {}): string {
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
