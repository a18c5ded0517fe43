/** What the login page says besides the form. */
export interface LoginPageOptions {
  /** Where to go after signing in (a path on this server). */
  next: string
  /** Shown above the form, e.g. after a wrong token. */
  error?: string
}

/**
 * The only page a browser without a session sees on a server with a token: a form that
 * posts the token once and gets a session cookie back. Rendered on the server with no
 * script, so nothing of the dashboard (or the API) is reachable before signing in.
 */
export function loginPage(options: LoginPageOptions): string {
  const error = options.error ? `<p class="error" role="alert" id="login-error">${escapeHtml(options.error)}</p>` : ''
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · zart</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<main class="login">
<h1>zart</h1>
<p>This server needs its token. Paste the token <code>zart serve</code> was started with, or open the one-time link it printed.</p>
${error}
<form method="post" action="/login">
<input type="hidden" name="next" value="${escapeHtml(options.next)}">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required${error ? ' aria-describedby="login-error"' : ''}>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`
}

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
