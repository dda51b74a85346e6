/** `now` plus `seconds`, as the ISO timestamp the documents store. */
export function addSeconds(now: Date, seconds: number): string {
  return new Date(now.getTime() + seconds * 1000).toISOString();
}
