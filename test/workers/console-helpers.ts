// Test helpers for the admin console inside workerd: a browser-like session (cookie jar, CSRF token, Origin).
import { exports } from "cloudflare:workers";
import { BASE } from "./helpers";

const fetcher = () => (exports as unknown as { default: Fetcher }).default;

export interface Page {
  status: number;
  headers: Headers;
  html: string;
  location: string | null;
}

/** A signed-in (or not yet) console user: cookies kept between calls, like a browser. */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  constructor(readonly lang = "es") {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private keep(res: Response): void {
    for (const line of res.headers.getAll("set-cookie")) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === "" || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    const res = await fetcher().fetch(`${BASE}${path}`, {
      redirect: "manual",
      headers: { cookie: this.cookieHeader(), "accept-language": this.lang, ...headers },
    });
    this.keep(res);
    return { status: res.status, headers: res.headers, html: await res.text(), location: res.headers.get("location") };
  }

  /** A form POST as a browser sends it: urlencoded, with Origin (override or drop it with `origin`). */
  async post(path: string, form: Record<string, string | string[]>, origin: string | null = BASE): Promise<Page> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    const headers: Record<string, string> = {
      cookie: this.cookieHeader(),
      "content-type": "application/x-www-form-urlencoded",
      "accept-language": this.lang,
    };
    if (origin !== null) headers.origin = origin;
    const res = await fetcher().fetch(`${BASE}${path}`, { method: "POST", redirect: "manual", headers, body });
    this.keep(res);
    return { status: res.status, headers: res.headers, html: await res.text(), location: res.headers.get("location") };
  }

  /** The CSRF token of the forms of `page`. */
  static csrfOf(page: Page): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(page.html);
    if (!m) throw new Error(`no CSRF field in: ${page.html.slice(0, 300)}`);
    return m[1]!;
  }

  /** GET /ui/login, then POST the key with the form's token; returns the POST's answer. */
  async signIn(key: string): Promise<Page> {
    const login = await this.get("/ui/login");
    return this.post("/ui/login", { key, _csrf: ConsoleClient.csrfOf(login) });
  }

  /** The signed-in session's CSRF token (from any page's sign-out form). */
  async csrf(): Promise<string> {
    return ConsoleClient.csrfOf(await this.get("/ui/sites"));
  }
}
