// The login page: one field, the password or HERALD_ADMIN_TOKEN.
import { csrfField, esc, renderShell } from "./layout.ts";

export interface LoginView {
  siteTitle: string;
  /** The login form's own CSRF token (a double-submit cookie: there is no session yet). */
  csrf: string;
  error?: string;
}

export function renderLogin(v: LoginView): string {
  const error = v.error ? `<p class="flash error" role="alert" id="login-error">${esc(v.error)}</p>` : "";
  return renderShell({
    title: "Log in",
    siteTitle: v.siteTitle,
    main: `<section class="login box" aria-labelledby="login-title">
<h1 id="login-title">Log in</h1>
${error}
<form method="post" action="/admin/login">
${csrfField(v.csrf)}
<label for="secret">Password or admin token</label>
<input id="secret" name="secret" type="password" autocomplete="current-password" required autofocus${v.error ? ' aria-describedby="login-error"' : ""}>
<button type="submit">Log in</button>
</form>
</section>`,
  });
}
