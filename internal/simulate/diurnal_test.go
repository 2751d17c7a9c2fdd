package simulate

import (
	"testing"
	"time"
)

func TestDiurnalShape(t *testing.T) {
	day := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	var sum, lo, hi float64 = 0, 10, 0
	const steps = 24 * 60
	for i := range steps {
		v := Diurnal(day.Add(time.Duration(i) * time.Minute))
		sum += v
		lo, hi = min(lo, v), max(hi, v)
	}
	if mean := sum / steps; mean < 0.99 || mean > 1.01 {
		t.Errorf("mean over a day = %.4f, want 1", mean)
	}
	if lo < 0.25 || lo > 0.35 {
		t.Errorf("night low = %.3f, want about 0.3", lo)
	}
	if hi < 1.55 || hi > 1.65 {
		t.Errorf("day peak = %.3f, want about 1.6", hi)
	}
	if night, noon := Diurnal(day.Add(2*time.Hour)), Diurnal(day.Add(13*time.Hour)); night >= 0.5 || noon <= 1.4 {
		t.Errorf("02:00 = %.2f, 13:00 = %.2f: want quiet nights and busy afternoons", night, noon)
	}
}

func TestDiurnalUsesTheTimesOwnClock(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	noonBerlin := time.Date(2026, 11, 26, 13, 30, 0, 0, berlin)
	if Diurnal(noonBerlin) <= Diurnal(noonBerlin.UTC())-0.001 {
		t.Errorf("peak in local time should be at 13:30 local")
	}
}

func TestBackfillPlanFollowsDiurnal(t *testing.T) {
	end := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	const n = 48_000
	p := newBackfillPlan(end, 48*time.Hour, n)
	byHour := make([]int, 24)
	prev := end.Add(-48 * time.Hour)
	for i := range int64(n) {
		at := p.at(i, 0.5)
		if at.Before(prev) || !at.Before(end) {
			t.Fatalf("event %d at %v: out of order or outside the window", i, at)
		}
		prev = at
		byHour[at.Hour()]++
	}
	// 2000 events per hour of the day on average (two days), scaled by the
	// curve: 0.41 at 03:30, 1.6 at 13:30.
	if byHour[3] < 700 || byHour[3] > 950 || byHour[13] < 3000 || byHour[13] > 3300 {
		t.Errorf("events at 03h = %d, at 13h = %d; want about 820 and 3200", byHour[3], byHour[13])
	}
	if first := p.at(0, 0); !first.Equal(end.Add(-48 * time.Hour)) {
		t.Errorf("first event at %v, want the window's start", first)
	}
}

func TestBackfillPlanPartialLastCell(t *testing.T) {
	end := time.Date(2026, 11, 26, 12, 0, 30, 0, time.UTC)
	p := newBackfillPlan(end, 90*time.Second, 100)
	for i := range int64(100) {
		if at := p.at(i, 0.999); at.Before(end.Add(-90*time.Second)) || !at.Before(end) {
			t.Fatalf("event %d at %v outside the window", i, at)
		}
	}
}
