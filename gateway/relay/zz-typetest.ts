type A = Rpc.Result<{ ok: false; error: { code: string; message: string; details?: Record<string, {} | null> } }>;
type B = Rpc.Result<{ ok: true; result: {} | null | undefined }>;
type C = Rpc.Result<{ ok: false; error: { code: string; message: string; details?: { [k: string]: {} | null } } }>;
type D = Rpc.Result<{ ok: false; error: { code: string; message: string } }>;
export const a: A = null!; export const b: B = null!; export const c: C = null!; export const d: D = null!;
export const x: never = a; export const y: never = b; export const z: never = c; export const w: never = d;
