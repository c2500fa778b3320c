"""Settings of the exercise detector: every constant with its unit and its reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DetectorSettings:
    # --- frames and orientation ---------------------------------------------------
    #: The detector works on 10 Hz frames (means of the samples in each 0.1 s of
    #: sample time): the fastest exercise movement takes ~0.6 s, so 10 Hz resolves it
    #: and keeps per-frame work (the state machine) small whatever the sensor rate.
    frame_s: float = 0.1
    #: Complementary filter: how long the gyroscope is trusted before the
    #: accelerometer pulls the gravity estimate back, s. 1 s removes the linear
    #: acceleration of a bridge lift (~0.06 g for ~1 s) while gyro bias (a few deg/s)
    #: cannot pull the estimate off by more than a few degrees.
    fusion_tau_s: float = 1.0
    #: Gyroscope offset learning: while the specific force turns by less than this
    #: between frames (deg; breathing moves it ~0.05 deg per frame, noise ~0.1), the
    #: gyroscope reading (if under `bias_max_dps`, the largest offset of consumer
    #: parts with margin) is averaged into the offset with time constant `bias_tau_s`.
    bias_steady_deg: float = 0.4
    bias_max_dps: float = 20.0
    bias_tau_s: float = 3.0
    #: Without a gyroscope: low-pass time constant on the frame means, s. Short, so
    #: the rep timing stays within a frame or two.
    acc_lowpass_tau_s: float = 0.2
    # --- rest and baseline -------------------------------------------------------------
    #: Gravity direction speed under which the person counts as still, deg/s. Quiet
    #: breathing rocks the supine pelvis by <= 0.6 deg at <= 0.33 Hz: <= 1.3 deg/s.
    still_speed_dps: float = 3.0
    #: Speed is the turn over this span, smoothed with this time constant, s.
    speed_span_s: float = 0.5
    speed_tau_s: float = 0.3
    #: Being still this long sets the resting baseline, s (a settled posture).
    settle_s: float = 1.5
    #: At the start of a session, lying there this long without ever being still that
    #: long, but always within half of `posture_change_deg` of one orientation (quick
    #: reps with brief rests, as several MEx participants do), the stillest moment of
    #: it is the provisional rest, s: about one rep cycle.
    settle_fallback_s: float = 5.0
    #: While resting the baseline follows slow drift with this time constant, s
    #: (sensor warming, sinking into the mat), far slower than any rep.
    baseline_follow_s: float = 10.0
    #: Missing data longer than this (a disconnect, a long burst of lost packets) drops
    #: the excursion in progress, s: shorter holes cannot hide a whole rep of most
    #: sets (3 s and more above the start threshold) and the excursion carries on
    #: across them. In a set of quicker reps, a hole as long as one of them is a gap
    #: too (`ExcursionDetector.max_gap_now_s`): quick tilts take 1.2-2 s; and in a rep,
    #: a hole as long as the set's rest between reps (it may hide a return to rest).
    max_gap_s: float = 3.0
    # --- rep excursions ----------------------------------------------------------------
    #: Smallest excursion from rest that can start a rep, deg. Real pelvic tilts
    #: measured at the thigh are as small as 2-4 deg (MEx); breathing stays under
    #: ~1.2 deg peak to peak.
    min_start_deg: float = 1.8
    #: ... but after a quiet rest a smaller move that comes back is a rep too
    #: (quiet.py): one going `quiet_ratio` times
    #: further from the rest's centre than the rest wandered from it in the
    #: `quiet_span_s` before the move's last `quiet_ramp_s`, and at least
    #: `quiet_min_start_deg`. Such reps count half towards a set's three
    #: (`sets._evidence`). A thigh sensor shows no breathing, and its tilts can be as
    #: small as ~1.3 deg (MEx person 21: eight of them, 4-6 times clear of the rest).
    #: 2.5: breathing never stands that clear of the 2.5 s before it (measured: sine
    #: breathing at 6-20/min up to the 1.2 deg it reaches, and 1.5 deg at 6, 8 and
    #: 12/min; breaths up to 1.0 deg that pause 1.5-3.5 s). Deeper breaths that pause
    #: 2 s or more each time (1.1 deg) would: at a hip sensor, such a breath is told
    #: from a tilt of the same size only by the 1.8 deg above.
    quiet_ratio: float = 2.5
    #: One step of the coarsest accelerometer read (1/64 g = 0.9 deg): a smaller move
    #: may be a single quantisation step flickering.
    quiet_min_start_deg: float = 0.9
    #: Long enough to hold a good part of any breath (the slowest, 10/min, lasts
    #: 6 s), short enough to fit in the rest between tilts done every 5-6 s.
    quiet_span_s: float = 2.5
    #: A small tilt's way up (~0.5 s) through the 0.2 s accelerometer low-pass.
    quiet_ramp_s: float = 0.7
    #: Within a set a rep must reach this fraction of the set's typical rep to start
    #: (and to count): "much smaller than the person's own reps is not a rep".
    relative_start: float = 0.35
    relative_min_peak: float = 0.45
    #: An excursion ends (the rep is counted) when it is back under this fraction of
    #: its peak: early enough for prompt feedback, late enough to be sure.
    return_fraction: float = 0.3
    #: Shortest rep, s: the fastest tilt up and back (~0.6 s each way) measures
    #: ~0.8 s between the edges below; twitches are shorter.
    min_rep_s: float = 0.7
    #: Rep start and end are where the angle crosses this fraction of the peak.
    edge_fraction: float = 0.15
    #: Hold (bridge hold, held tilt): from where the way up has slowed to this fraction
    #: of its fastest until the way down is that fast. A fifth: the last fifth of a
    #: smooth lift's speed is its last ~0.1 s; sway (~0.5 deg) and the sag of a tiring
    #: hold (1-2 deg over seconds) are slower still, so they stay in the hold.
    hold_speed_fraction: float = 0.2
    #: Still at a new orientation this long without coming back: the person shifted
    #: position, not a rep, s. Longer than the longest bridge hold people do (~11 s).
    shift_s: float = 15.0
    #: ... but an excursion smaller than `small_excursion_deg` (no bridge or knee hug
    #: is that small) that has not come back after `shift_small_s` re-baselines to
    #: its lowest dip: pelvic tilts are held only briefly (0-4 s as taught, ~5 s in
    #: the MEx recordings). Someone who holds longer (MEx person 29: ~8 s) is found
    #: out when they settle back at the rest before the shift (`excursions._shift`).
    small_excursion_deg: float = 8.0
    shift_small_s: float = 6.0
    #: ... or, in a set of two reps or more, this many of its reps' typical length
    #: (`sets._OpenSet.typical_s`) if longer: people who hold every tilt 3-6 s with
    #: slow moves make reps as long as `shift_small_s`, and shift no sooner than one
    #: of their reps lasts. Reps in a set vary by about a third: one and a half is
    #: past the longest.
    shift_small_reps: float = 1.5
    #: Beyond this angle from rest it is a posture change (lying down, getting up,
    #: rolling over), not an exercise, deg. Bridges stay under ~45 deg; a knee hug
    #: tips the pelvis 15-35 deg (up to ~40) and its head-to-tail rocking adds twice
    #: its 3-10 deg on top, so it reaches ~55-60 deg; sitting up goes to 80-90.
    posture_change_deg: float = 65.0
    #: ... once an excursion stays beyond it this long, s: sitting up or rolling over
    #: stays there; a deep knee hug's rocking passes it for a fraction of a circle
    #: (circles take 2-7 s).
    posture_change_hold_s: float = 1.0
    #: Longest excursion that can be an exercise, s (a knee-to-chest set of 10 slow
    #: circles is ~60 s); a knee hug still circling, from its last circle counted live.
    max_excursion_s: float = 120.0
    #: Shaking of the specific force above this means walking or getting up, g (steps
    #: shake the pelvis by 0.1-0.3 g; lying exercises stay under ~0.03 g on average).
    #: Measured: walking reaches 0.12-0.17 g; the most vigorous real bridges (MEx,
    #: thigh) 0.07-0.09 g with this averaging.
    vigorous_g: float = 0.10
    #: ... averaged with this time constant, s: walking goes on, a hip thrust takes
    #: ~0.5 s and a knock 0.05 s.
    vigour_tau_s: float = 2.0
    #: A rep already back under this fraction of its peak when the shaking starts is
    #: counted (it is lowering, nearly done: `return_fraction` away); a rep still up
    #: there is dropped.
    vigour_done_fraction: float = 0.5
    #: The slow level of |acc| that steps shake about, s.
    norm_tau_s: float = 5.0
    # --- which level is rest: vertical travel (lift.py) --------------------------------
    #: The last `lift_reps` reps of a resting level all went down first and came back
    #: up, by this much travel (median, cm): the "rest" was a held bridge and the reps
    #: were lowerings to the real rest. Bridges raise a hip sensor 10-20 cm and a thigh
    #: sensor 2-13 cm; a pelvic tilt moves a hip sensor by under ~1 cm. Measured: the
    #: MEx participants whose held bridge was taken for rest read 5.1-16 cm; the most
    #: any three simulated pelvic-tilt reps in a row read was 1.9 cm. The same floor
    #: serves the ways back up alone (all up, median): at most 1.4 cm for three
    #: simulated tilts in a row and 1.9 cm for MEx tilts; 6.0 cm for MEx person 20's
    #: lowerings from a held bridge, whose ways down a sagging hold spoils.
    lift_min_cm: float = 3.0
    #: One rep's travel can misread by ~3 cm (a fidget in a transition); three agree.
    lift_reps: int = 3
    #: ... or the whole-rep height fit (`height_fit_cm`) of those reps says they went
    #: down: their mean at most minus this, cm, and at least `lift_fit_t` standard
    #: errors below zero (the three agree). Measured with the fit: held bridges taken
    #: for rest read -7.6 to -11 cm (MEx); the lowest mean of any three pelvic tilts
    #: in a row was -2.8 cm (simulated, accelerometer only, large tilts with the
    #: sensor at the front) and -2.7 cm (MEx). Any value from 3 to 6 cm and 2 to 4
    #: standard errors gives the same results on all the data sets.
    lift_fit_min_cm: float = 4.0
    lift_fit_t: float = 3.0
    #: The fit reads each rep from this long before its start to this long after its
    #: end, s: the rest on both sides pins the accelerometer's 1 g level.
    lift_fit_pad_s: float = 1.0
    #: Smoothing of the fit (Savitzky-Golay, quadratic), frames: 0.7 s, shorter than
    #: the fastest lift (~1 s) so its acceleration survives, long enough to tame the
    #: second derivative of the noisy turn.
    lift_fit_smooth_frames: int = 7
    #: Only reps reaching this fraction of the deepest one are evidence: the holds of
    #: successive bridges differ by up to ~1/3 of the lift, the floor does not.
    lift_deep_fraction: float = 0.6
    #: Each transition is integrated from this long before the rep's start edge (and
    #: to this long after its end), s, so that the ends are still: the double
    #: integration assumes zero velocity there.
    lift_window_s: float = 0.5
    #: A transition ends where the angle first (last) comes within this fraction of
    #: the rep's peak: the top of a lift, before the slow settle into the hold.
    lift_top_fraction: float = 0.85
    #: Frames kept to count the holds again once rest is found to be wrong, s: six
    #: bridge cycles (up to 10 s hold, 4 s rest, 3 s moving), some of which may be
    #: smaller moves between holds of different height that do not count as evidence.
    lift_memory_s: float = 120.0
    # --- knee-to-chest rocking -----------------------------------------------------------
    #: A rocking swing must exceed this many degrees either side of the posture centre,
    #: and this fraction of the recent swing amplitude (hysteresis).
    rock_min_deg: float = 1.5
    rock_relative: float = 0.35
    #: Posture centre and principal rocking axis follow with these time constants, s
    #: (about one slow circle, 2.5-5 s).
    rock_centre_tau_s: float = 3.0
    rock_axis_tau_s: float = 6.0
    #: Held in the posture (above this fraction of the excursion's peak) this long
    #: before rocking is counted, s: the knee pull itself is not a rock.
    rock_settle_s: float = 1.0
    rock_active_fraction: float = 0.4
    #: Swings needed before a long excursion counts as knee-to-chest rocking: three
    #: half-swings, more than any bridge's lift and lowering can make.
    rock_min_flips: int = 3
    #: Once circles are being told live, the count is read again with hindsight this
    #: often as well as at each swing the live counter sees, s: that counter misses
    #: small swings (the last, as the person slows to let go) which hindsight finds.
    #: Well under a circle (3-7 s); each reading costs about a millisecond.
    rock_recheck_s: float = 0.5
    #: An excursion at least this long is recounted for rocking with hindsight, s: one
    #: slow circle plus getting into and out of the posture.
    rock_recount_min_s: float = 5.0
    # --- sets ------------------------------------------------------------------------------
    #: A pause longer than this between one rep's end and the next one's start starts
    #: a new set, s. Within a set people pause for breath (3-8 s) on top of their
    #: usual rest between reps (up to ~4 s for bridges); between sets they rest longer.
    set_gap_s: float = 15.0
    #: Fewest reps that make a set: fewer are fidgets or a false start.
    min_set_reps: int = 3
    #: Typical rep amplitude that separates bridges from pelvic tilts at the pelvis,
    #: deg: active posterior tilt is ~9 deg (4.5-16), a bridge lifts the pelvis by
    #: 20-35 deg.
    bridge_min_deg: float = 17.0
    #: ... or whose reps raise the sensor by this much (median, cm, lift.py): a thigh
    #: sensor turns only 6-17 deg in some people's bridges but rises 2-13 cm; pelvic
    #: tilts measured at most 1.5 cm (MEx) and 0.3 cm (simulated hip sensors).
    bridge_min_rise_cm: float = 2.5
    #: Between `bridge_min_deg` and this typical turn, deg, reps none of which raised
    #: the sensor by `tilt_max_rise_cm` are pelvic tilts: restless people's large
    #: tilts at the hip reach 17 deg, as small bridges do, and there only the rise tells
    #: them apart. Beyond this no tilt goes (active tilt is at most ~16 deg).
    bridge_sure_deg: float = 22.0
    #: cm. Every simulated set of bridges (1047) had a rep that raised the hip sensor
    #: by 2.0 cm or more; in 92% of the tilt sets (1046) none rose by this much.
    tilt_max_rise_cm: float = 0.8
