/**
 * Removes the user information from every URL in `text`: `https://bot:token@git.example.com/a.git`
 * becomes `https://git.example.com/a.git`, in a bare URL as in an error message that quotes one.
 * A token alone (`https://token@host`) is a credential too; only an ssh user without a password
 * (`ssh://git@host/...`) stays, since it names an account, not a secret. Everything Skiff shows
 * about a repository (conditions, events, logs, the status page, printer columns, CLI output)
 * goes through this one function.
 */
export function redactCredentials(text: string): string {
  // Greedy up to the last `@` before the path: a password with an unescaped `@` is still removed whole.
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi, (match, scheme: string, userinfo: string) =>
    /^ssh:/i.test(scheme) && !userinfo.includes(':') ? match : scheme,
  );
}
