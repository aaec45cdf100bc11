package workcal_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/workcal"
)

func Example() {
	c := workcal.Default()
	received := time.Date(2026, 2, 13, 16, 30, 0, 0, c.Location()) // Friday before the Spring Festival

	// 4 working hours: one on Friday, three on the make-up Saturday.
	fmt.Println(c.AddWorkingDuration(received, 4*time.Hour).Format(time.DateTime))
	// 2 working days: the make-up Saturday, then the first day after the holiday.
	fmt.Println(c.AddWorkingDays(received, 2).Format(time.DateTime))
	// Output:
	// 2026-02-14 11:30:00
	// 2026-02-24 17:30:00
}

func ExampleParseHolidays() {
	y, err := workcal.ParseHolidays(strings.NewReader(`{"year": 2026, "days": [
		{"name": "春节", "date": "2026-02-14", "isOffDay": false},
		{"name": "春节", "date": "2026-02-15", "isOffDay": true}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := workcal.New(workcal.DefaultConfig().WithYears(y))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.IsWorkday(workcal.Date{Year: 2026, Month: 2, Day: 14}))

	_, err = workcal.ParseHolidays(strings.NewReader(`{"year": 2026, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}`))
	fmt.Println(err)
	// Output:
	// true
	// parse holidays: invalid: holiday file refused (days[0].date: 2027-01-01 is outside the declared year 2026 and the December before it)
}
