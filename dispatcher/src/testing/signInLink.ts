/**
 * Presses a one-time link's Sign in button as its page does: a same-origin form POST of the
 * link's token. The answer is not followed (a 303 and its cookie, or a 403 page).
 */
export function pressSignIn(link: string, headers: Record<string, string> = {}): Promise<Response> {
  const url = new URL(link);
  return fetch(`${url.origin}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', ...headers },
    body: new URLSearchParams({ token: url.searchParams.get('token') ?? '' }).toString(),
  });
}
