// Package timesheet builds the attendance report: one row per user per working day, in the device's local time.
//
// The rules, in the words HR staff use:
//
//   - A day belongs to one user on one device: punches are grouped by (device, user id, working day). The same
//     person enrolled on two devices has two rows.
//   - The working day of a punch is the date of its device-local wall clock minus Options.DayStart (04:00 by
//     default): a punch at 02:30 on the 4th belongs to the 3rd, so a night shift that crosses midnight stays one
//     day. Set DayStart between the end of the latest shift and the start of the earliest one.
//   - Local times are the device's wall clock as it punched (its offset at that moment); durations are measured
//     between UTC instants, so a change of offset inside a day does not bend worked hours.
//   - First in is the earliest punch of the day and last out the latest, whatever their type: devices often
//     record every punch as CheckIn, and a wrong key press must not hide an arrival. A day with one punch has no
//     last out.
//   - Worked time pairs punches in order when the day has both entering and leaving types and no unknown type:
//     each entering punch (CheckIn, BreakIn, OverTimeIn, MealOut/MealEnd) opens a span that the next leaving
//     punch (CheckOut, BreakOut, OverTimeOut, MealIn/MealStart) closes; repeated entering punches keep the
//     earliest, a leaving punch with nothing open is ignored. Meal types follow API 2.0's names: MealIn is
//     MealStart, when the person leaves for a meal. Otherwise worked time is last out minus first in.
//   - A day is marked when its punch count is odd (a missing punch) or when its device reported a
//     DateModified event (its clock was changed by hand) on that working day.
//   - Late: first in after ShiftStart + Grace. Early: last out before ShiftEnd. A shift whose end is not after
//     its start ends on the next day (22:00–06:00). Amounts are measured from the shift times themselves.
//
// Build streams the punches through Source.EachPunchTime (oldest first, in a few contiguous ranges of working
// days read side by side, only the columns it needs) and keeps one small accumulator per (device, user,
// working day), never the punches themselves; memory follows users × days, not punches. Device and user
// names are read once (Source.Names), not with every punch.
package timesheet
