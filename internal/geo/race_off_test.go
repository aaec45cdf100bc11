//go:build !race

package geo

// raceEnabled loosens timing assertions: the race detector slows code 5–20×.
const raceEnabled = false
