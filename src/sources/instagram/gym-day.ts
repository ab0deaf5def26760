/** The gym-local calendar day of an instant, `YYYY-MM-DD`. */
export function gymDay(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone }).format(instant);
}

export function isGymMonday(instant: Date, timeZone: string): boolean {
  return new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }).format(instant) === 'Mon';
}
