// The calendar rule, once: month lengths of the Gregorian calendar (used by the API's schemas and the ZK time codec).

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Days in `month` (1-12) of `year`; 0 for a month that does not exist. Cheap: the codec calls it per record. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return MONTH_DAYS[month - 1] ?? 0;
}

/** True when year-month-day is a real calendar day (30 Feb and month 13 are not). */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  return Number.isInteger(day) && day >= 1 && day <= daysInMonth(year, month);
}
