package workcal

import "slices"

// Default returns a fresh calendar of DefaultConfig with DefaultYears, so
// that a deployment (and `make run`'s demo) has a working calendar before an
// administrator imports any holiday file. It panics only if the compiled-in
// data is invalid, which the tests rule out.
func Default() *Calendar {
	c, err := New(DefaultConfig().WithYears(DefaultYears()...))
	if err != nil {
		panic("workcal: compiled-in default calendar: " + err.Error())
	}
	return c
}

// DefaultYears returns the compiled-in holiday arrangements, written by hand
// from the State Council notices (the tests check 2025 and 2026 against the
// holiday-cn files when ../shared/data is present):
//
//   - 2025 and 2026: complete, from the notices listed in Papers.
//   - 2027: PROVISIONAL. The notice for 2027 was not published when this
//     was written. The year holds only the statutory holidays themselves,
//     which are fixed by 全国年节及纪念日放假办法 (as revised in 2024: New
//     Year 1 day, Spring Festival eve to the third day 4 days, Qingming 1,
//     Labour Day 2, Dragon Boat 1, Mid-Autumn 1, National Day 3) and the
//     lunar calendar. The bridging days, make-up working days and the
//     weekdays given in lieu of holidays that fall on a weekend are set by
//     the notice and are missing; import the official file once it is out.
//
// Each call returns new slices; callers may change them.
func DefaultYears() []Year {
	return []Year{
		year(2025, []string{"https://www.gov.cn/zhengce/zhengceku/202411/content_6986383.htm"},
			holiday{"元旦", "2025-01-01", "2025-01-01", nil},
			holiday{"春节", "2025-01-28", "2025-02-04", []string{"2025-01-26", "2025-02-08"}},
			holiday{"清明节", "2025-04-04", "2025-04-06", nil},
			holiday{"劳动节", "2025-05-01", "2025-05-05", []string{"2025-04-27"}},
			holiday{"端午节", "2025-05-31", "2025-06-02", nil},
			holiday{"国庆节、中秋节", "2025-10-01", "2025-10-08", []string{"2025-09-28", "2025-10-11"}},
		),
		year(2026, []string{"https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm"},
			holiday{"元旦", "2026-01-01", "2026-01-03", []string{"2026-01-04"}},
			holiday{"春节", "2026-02-15", "2026-02-23", []string{"2026-02-14", "2026-02-28"}},
			holiday{"清明节", "2026-04-04", "2026-04-06", nil},
			holiday{"劳动节", "2026-05-01", "2026-05-05", []string{"2026-05-09"}},
			holiday{"端午节", "2026-06-19", "2026-06-21", nil},
			holiday{"中秋节", "2026-09-25", "2026-09-27", nil},
			holiday{"国庆节", "2026-10-01", "2026-10-07", []string{"2026-09-20", "2026-10-10"}},
		),
		// Provisional: statutory days only (see above). Lunar dates: Spring
		// Festival (正月初一) 2027-02-06, Dragon Boat 06-09, Mid-Autumn 09-15;
		// Qingming (the solar term) 04-05.
		year(2027, nil,
			holiday{"元旦", "2027-01-01", "2027-01-01", nil},
			holiday{"春节", "2027-02-05", "2027-02-08", nil},
			holiday{"清明节", "2027-04-05", "2027-04-05", nil},
			holiday{"劳动节", "2027-05-01", "2027-05-02", nil},
			holiday{"端午节", "2027-06-09", "2027-06-09", nil},
			holiday{"中秋节", "2027-09-15", "2027-09-15", nil},
			holiday{"国庆节", "2027-10-01", "2027-10-03", nil},
		),
	}
}

// holiday is one line of a notice: the days off from first to last, and the
// make-up working days that pay for them.
type holiday struct {
	name        string
	first, last string
	work        []string
}

func year(y int, papers []string, hs ...holiday) Year {
	out := Year{Year: y, Papers: papers}
	for _, h := range hs {
		for d := mustDate(h.first); d.Compare(mustDate(h.last)) <= 0; d = d.AddDays(1) {
			out.Days = append(out.Days, Override{Name: h.name, Date: d, IsOffDay: true})
		}
		for _, s := range h.work {
			out.Days = append(out.Days, Override{Name: h.name, Date: mustDate(s), IsOffDay: false})
		}
	}
	slices.SortFunc(out.Days, func(a, b Override) int { return a.Date.Compare(b.Date) })
	return out
}

func mustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic("workcal: compiled-in holiday date: " + err.Error())
	}
	return d
}
