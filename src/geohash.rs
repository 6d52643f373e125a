//! Geohash arithmetic (Redis's `geohash.c` and `geohash_helper.c`), bit for bit.
//!
//! A position is stored as a sorted-set score: its longitude and latitude, each cut
//! into 2^26 steps of its range (longitude -180..180, latitude -85.05112878..85.05112878,
//! the Web Mercator limits), interleaved into 52 bits — latitude bits in the even
//! positions, longitude bits in the odd ones. A prefix of `2 × step` bits names a
//! cell, and every position inside it scores within `[prefix << k, (prefix + 1) << k)`:
//! a search is a handful of score ranges.
//!
//! A search picks a cell size from the radius ([`estimate_steps`]), the cell holding
//! the centre and its eight neighbours ([`Shape::cells`]), drops the neighbours the
//! shape cannot reach, and tests each member of those ranges against the shape
//! ([`Shape::contains_at`]). Every floating-point step is the one Redis takes, in the
//! same order, so scores, distances and the set of members found are Redis's own.
//!
//! Two shortcuts skip work whose outcome is known, never changing it: a lower bound on
//! the distance without trigonometry ([`Prefilter`]) rules out most candidates before
//! the exact test, and whole parts of a cell two levels down ([`ranges_to_read`]), so
//! their score ranges are not read at all.
//!
//! Sorting follows Redis too: a full sort is glibc's `qsort` (a stable top-down merge
//! sort, [`merge_sort`]); a `COUNT` below the number found is Redis's partial
//! quicksort ([`partial_sort`]), whose order among equal distances is its own.

use std::cmp::Ordering;
use std::f64::consts::FRAC_PI_2;

use crate::qsort;

/// The westmost longitude.
pub(crate) const LON_MIN: f64 = -180.0;
/// The eastmost longitude.
pub(crate) const LON_MAX: f64 = 180.0;
/// The southmost latitude that can be stored.
pub(crate) const LAT_MIN: f64 = -85.051_128_78;
/// The northmost latitude that can be stored.
pub(crate) const LAT_MAX: f64 = 85.051_128_78;
/// The precision of a stored position: 26 bits per coordinate.
pub(crate) const STEP_MAX: u8 = 26;
/// Earth's quadratic mean radius for WGS-84, in metres.
pub(crate) const EARTH_RADIUS: f64 = 6_372_797.560_856;
const MERCATOR_MAX: f64 = 20_037_726.37;
const D_R: f64 = std::f64::consts::PI / 180.0;

/// A cell: the top `2 × step` bits of a position. Step 0 with no bits is "no cell".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Cell {
    pub(crate) bits: u64,
    pub(crate) step: u8,
}

impl Cell {
    fn is_zero(self) -> bool {
        self.bits == 0 && self.step == 0
    }

    /// The cell's bits shifted to a 52-bit score (`geohashAlign52Bits`).
    pub(crate) fn align52(self) -> u64 {
        self.bits << (52 - u32::from(self.step) * 2)
    }

    /// The scores of the positions inside the cell: `min..max`, max excluded.
    pub(crate) fn score_range(self) -> (u64, u64) {
        let next = Cell {
            bits: self.bits.wrapping_add(1),
            step: self.step,
        };
        (self.align52(), next.align52())
    }
}

/// A coordinate range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Range {
    pub(crate) min: f64,
    pub(crate) max: f64,
}

const LON_RANGE: Range = Range {
    min: LON_MIN,
    max: LON_MAX,
};
const LAT_RANGE: Range = Range {
    min: LAT_MIN,
    max: LAT_MAX,
};

/// A cell's extent in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Area {
    pub(crate) lon: Range,
    pub(crate) lat: Range,
}

/// Spreads the low 32 bits of `lat` to the even positions and those of `lon` to the
/// odd ones.
fn interleave(lat: u32, lon: u32) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut x = u64::from(v);
        x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
        x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
        x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        x = (x | (x << 2)) & 0x3333_3333_3333_3333;
        (x | (x << 1)) & 0x5555_5555_5555_5555
    }
    spread(lat) | (spread(lon) << 1)
}

/// The inverse of [`interleave`]: (latitude bits, longitude bits).
fn deinterleave(bits: u64) -> (u32, u32) {
    fn squash(v: u64) -> u32 {
        let mut x = v & 0x5555_5555_5555_5555;
        x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
        x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
        x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
        x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
        x = (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF;
        u32::try_from(x).unwrap_or(u32::MAX)
    }
    (squash(bits), squash(bits >> 1))
}

/// C's conversion of a non-negative `double` below 2^32 to `uint32_t` (truncation).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn to_u32(v: f64) -> u32 {
    // Through a 64-bit integer, as the compiler converts, then cut to 32 bits.
    (v as i64) as u32
}

/// The cell of `step` holding the point, in the given ranges (`geohashEncode`); `None`
/// outside the stored limits or the ranges.
pub(crate) fn encode(
    lon_range: Range,
    lat_range: Range,
    lon: f64,
    lat: f64,
    step: u8,
) -> Option<Cell> {
    if step > 32 || step == 0 {
        return None;
    }
    if !(LON_MIN..=LON_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return None;
    }
    if lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max {
        return None;
    }
    let mut lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
    let mut lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
    #[allow(clippy::cast_precision_loss)] // a power of two up to 2^32
    let scale = (1u64 << step) as f64;
    lat_offset *= scale;
    lon_offset *= scale;
    Some(Cell {
        bits: interleave(to_u32(lat_offset), to_u32(lon_offset)),
        step,
    })
}

/// The cell of `step` holding a point of the stored limits (`geohashEncodeWGS84`).
pub(crate) fn encode_wgs84(lon: f64, lat: f64, step: u8) -> Option<Cell> {
    encode(LON_RANGE, LAT_RANGE, lon, lat, step)
}

/// The score Redis stores for a position (already checked within the limits).
pub(crate) fn score_of(lon: f64, lat: f64) -> u64 {
    encode_wgs84(lon, lat, STEP_MAX).map_or(0, Cell::align52)
}

/// A cell's extent (`geohashDecode`), `None` for "no cell".
pub(crate) fn decode_in(lon_range: Range, lat_range: Range, cell: Cell) -> Option<Area> {
    if cell.is_zero() {
        return None;
    }
    let (ilat, ilon) = deinterleave(cell.bits);
    let lat_scale = lat_range.max - lat_range.min;
    let lon_scale = lon_range.max - lon_range.min;
    #[allow(clippy::cast_precision_loss)] // a power of two
    // Dividing by a power of two is multiplying by its inverse, exactly.
    let inv = 1.0 / (1u64 << cell.step) as f64;
    let at = |range: Range, i: u32, scale: f64| range.min + (f64::from(i) * inv) * scale;
    Some(Area {
        lat: Range {
            min: at(lat_range, ilat, lat_scale),
            // The cell's index plus one, in 32 bits as in C.
            max: at(lat_range, ilat.wrapping_add(1), lat_scale),
        },
        lon: Range {
            min: at(lon_range, ilon, lon_scale),
            max: at(lon_range, ilon.wrapping_add(1), lon_scale),
        },
    })
}

fn decode(cell: Cell) -> Option<Area> {
    decode_in(LON_RANGE, LAT_RANGE, cell)
}

/// C's conversion of a `double` to `uint64_t` as x86-64 code does it: below 2^63 a
/// signed truncation (negative values wrap; out of range gives 2^63), from 2^63 on the
/// value less 2^63 with the top bit flipped.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) fn score_bits(score: f64) -> u64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    let cvt = |v: f64| -> u64 {
        if (-TWO_63..TWO_63).contains(&v) {
            (v as i64) as u64
        } else {
            1 << 63
        }
    };
    if score >= TWO_63 {
        cvt(score - TWO_63) ^ (1 << 63)
    } else {
        cvt(score)
    }
}

/// The position a score stands for: its cell's centre, clamped to the limits
/// (`decodeGeohash`). Any score decodes, as in Redis.
pub(crate) fn decode_score(score: f64) -> (f64, f64) {
    let cell = Cell {
        bits: score_bits(score),
        step: STEP_MAX,
    };
    let Some(area) = decode(cell) else {
        return (0.0, 0.0);
    };
    // The sum halved, as C computes it (`f64::midpoint` may round otherwise).
    #[allow(clippy::manual_midpoint)]
    let lon = ((area.lon.min + area.lon.max) / 2.0).clamp(LON_MIN, LON_MAX);
    #[allow(clippy::manual_midpoint)]
    let lat = ((area.lat.min + area.lat.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    (lon, lat)
}

/// The standard 11-character geohash of the position a score stands for (`GEOHASH`):
/// re-encoded against latitudes -90..90, the last character always `0`.
pub(crate) fn geohash_string(score: f64) -> [u8; 11] {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let (lon, lat) = decode_score(score);
    let standard = Range {
        min: -90.0,
        max: 90.0,
    };
    let bits = encode(LON_RANGE, standard, lon, lat, STEP_MAX).map_or(0, |c| c.bits);
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().enumerate().take(10) {
        #[allow(clippy::cast_possible_truncation)] // five bits
        let idx = ((bits >> (52 - (i + 1) * 5)) & 0x1f) as usize;
        *c = ALPHABET[idx];
    }
    out
}

/// The bits of a cell's longitude (odd positions) and latitude (even positions).
const LON_BITS: u64 = 0xaaaa_aaaa_aaaa_aaaa;
const LAT_BITS: u64 = 0x5555_5555_5555_5555;

/// Moves a cell by one along longitude (`geohash_move_x`), wrapping around.
fn move_x(cell: &mut Cell, d: i8) {
    step(cell, d, LON_BITS);
}

/// Moves a cell by one along latitude (`geohash_move_y`), wrapping around.
fn move_y(cell: &mut Cell, d: i8) {
    step(cell, d, LAT_BITS);
}

/// Adds `d` (±1) to the coordinate whose bits `axis` selects, leaving the other's:
/// the other's positions are filled with ones so that a carry runs through them.
fn step(cell: &mut Cell, d: i8, axis: u64) {
    // "No cell" (step 0) stays put.
    if d == 0 || cell.step == 0 {
        return;
    }
    let mut moved = cell.bits & axis;
    let kept = cell.bits & !axis;
    let shift = 64 - u32::from(cell.step) * 2;
    let zz = !axis >> shift;
    if d > 0 {
        moved = moved.wrapping_add(zz.wrapping_add(1));
    } else {
        moved |= zz;
        moved = moved.wrapping_sub(zz.wrapping_add(1));
    }
    moved &= axis >> shift;
    cell.bits = moved | kept;
}

/// A cell's eight neighbours (`geohashNeighbors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Neighbors {
    pub(crate) north: Cell,
    pub(crate) south: Cell,
    pub(crate) east: Cell,
    pub(crate) west: Cell,
    pub(crate) north_east: Cell,
    pub(crate) north_west: Cell,
    pub(crate) south_east: Cell,
    pub(crate) south_west: Cell,
}

pub(crate) fn neighbors(cell: Cell) -> Neighbors {
    let moved = |dx: i8, dy: i8| {
        let mut c = cell;
        move_x(&mut c, dx);
        move_y(&mut c, dy);
        c
    };
    Neighbors {
        east: moved(1, 0),
        west: moved(-1, 0),
        south: moved(0, -1),
        north: moved(0, 1),
        north_west: moved(-1, 1),
        north_east: moved(1, 1),
        south_east: moved(1, -1),
        south_west: moved(-1, -1),
    }
}

/// The cell size for a search of `range_m` metres around latitude `lat`
/// (`geohashEstimateStepsByRadius`): coarser towards the poles, 1 to 26.
pub(crate) fn estimate_steps(mut range_m: f64, lat: f64) -> u8 {
    #[allow(clippy::float_cmp)] // exactly zero, as in C
    if range_m == 0.0 {
        return 26;
    }
    let mut step: i32 = 1;
    while range_m < MERCATOR_MAX {
        range_m *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    u8::try_from(step.clamp(1, 26)).unwrap_or(26)
}

fn deg_rad(ang: f64) -> f64 {
    ang * D_R
}

fn rad_deg(ang: f64) -> f64 {
    ang / D_R
}

/// The distance along a meridian between two latitudes, in metres.
fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// The haversine great-circle distance in metres (`geohashGetDistance`).
pub(crate) fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lon1r = deg_rad(lon1);
    let lon2r = deg_rad(lon2);
    let v = ((lon2r - lon1r) / 2.0).sin();
    #[allow(clippy::float_cmp)] // exactly zero, as in C
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let lat1r = deg_rad(lat1);
    let lat2r = deg_rad(lat2);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS * a.sqrt().asin()
}

/// What a search covers, in metres once multiplied by `conversion`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Extent {
    /// A circle of this radius.
    Radius(f64),
    /// An axis-aligned box of this width and height.
    Box(f64, f64),
}

/// A search area (Redis's `GeoShape`): a centre, an extent in some unit, and the
/// unit's size in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Shape {
    pub(crate) lon: f64,
    pub(crate) lat: f64,
    pub(crate) extent: Extent,
    pub(crate) conversion: f64,
}

impl Shape {
    /// The bounding box (`geohashBoundingBox`): min longitude, min latitude, max
    /// longitude, max latitude.
    fn bounds(&self) -> [f64; 4] {
        let (height, width) = match self.extent {
            Extent::Radius(r) => (self.conversion * r, self.conversion * r),
            Extent::Box(w, h) => (self.conversion * (h / 2.0), self.conversion * (w / 2.0)),
        };
        let lat_delta = rad_deg(height / EARTH_RADIUS);
        let lon_delta_top = rad_deg(width / EARTH_RADIUS / deg_rad(self.lat + lat_delta).cos());
        let lon_delta_bottom = rad_deg(width / EARTH_RADIUS / deg_rad(self.lat - lat_delta).cos());
        let delta = if self.lat < 0.0 {
            lon_delta_bottom
        } else {
            lon_delta_top
        };
        [
            self.lon - delta,
            self.lat - lat_delta,
            self.lon + delta,
            self.lat + lat_delta,
        ]
    }

    /// Whether a decoded position is inside, and its distance from the centre.
    pub(crate) fn contains_at(&self, lon: f64, lat: f64) -> Option<f64> {
        match self.extent {
            Extent::Radius(r) => {
                let d = distance(self.lon, self.lat, lon, lat);
                // NaN (antipodes rounded past 1) is not "farther", as in C.
                if d > r * self.conversion {
                    None
                } else {
                    Some(d)
                }
            }
            Extent::Box(w, h) => {
                let (width_m, height_m) = (w * self.conversion, h * self.conversion);
                if lat_distance(lat, self.lat) > height_m / 2.0 {
                    return None;
                }
                if distance(lon, lat, self.lon, lat) > width_m / 2.0 {
                    return None;
                }
                Some(distance(self.lon, self.lat, lon, lat))
            }
        }
    }

    /// A cheap test that shows most positions inside that
    /// [`contains_at`](Self::contains_at) would accept (see [`Inner`]).
    pub(crate) fn inner(&self) -> Inner {
        // Extents narrowed by a millionth (and a micrometre), reach widened as in
        // `prefilter`.
        let narrow = |m: f64| m * (1.0 - 1e-6) - 1e-6;
        let widen = |m: f64| m * (1.0 + 1e-6) + 1e-6;
        let lat_r = deg_rad(self.lat);
        let cos_max = |band: f64| (lat_r.abs() - band).max(0.0).cos();
        let usable = |m: f64| m > 0.0 && m / EARTH_RADIUS < 3.0;
        match self.extent {
            Extent::Radius(r) => {
                let r_m = r * self.conversion;
                let r_in = narrow(r_m);
                if !usable(r_in) {
                    return Inner::None;
                }
                let half = r_in / (2.0 * EARTH_RADIUS);
                Inner::Circle {
                    lon: self.lon,
                    lat: self.lat,
                    k: lat_r.cos() * cos_max(widen(r_m) / EARTH_RADIUS),
                    limit: half.sin() * half.sin(),
                }
            }
            Extent::Box(w, h) => {
                let w_in = narrow(w * self.conversion / 2.0);
                let h_m = h * self.conversion;
                if !usable(w_in) || !usable(h_m) {
                    return Inner::None;
                }
                let half = w_in / (2.0 * EARTH_RADIUS);
                let c = cos_max(widen(h_m / 2.0) / EARTH_RADIUS);
                Inner::Box {
                    lon: self.lon,
                    lat: self.lat,
                    height_m: h_m,
                    k: c * c,
                    limit: half.sin() * half.sin(),
                }
            }
        }
    }

    /// A cheap test that rules out most positions [`contains_at`](Self::contains_at)
    /// would refuse, without trigonometry (see [`Prefilter`]).
    pub(crate) fn prefilter(&self) -> Prefilter {
        // Extents are widened by a millionth (and a micrometre): rounding in Redis's
        // own arithmetic is some 1e-15 of it.
        let widen = |m: f64| m * (1.0 + 1e-6) + 1e-6;
        let lat_r = deg_rad(self.lat);
        let cos_c = lat_r.cos();
        // The least cosine of a latitude within `band` radians of the centre's.
        let cos_min = |band: f64| (lat_r.abs() + band).min(FRAC_PI_2).cos().max(0.0);
        match self.extent {
            Extent::Radius(r) => {
                let r_m = widen(r * self.conversion);
                if r_m.is_nan() || r_m / EARTH_RADIUS >= 3.0 {
                    return Prefilter::None;
                }
                let band = r_m / EARTH_RADIUS;
                let half = r_m / (2.0 * EARTH_RADIUS);
                Prefilter::Circle {
                    lon: self.lon,
                    lat: self.lat,
                    band,
                    k: cos_c * cos_min(band),
                    cos_c,
                    limit: half.sin() * half.sin(),
                }
            }
            Extent::Box(w, h) => {
                let w_m = widen(w * self.conversion / 2.0);
                let h_m = widen(h * self.conversion / 2.0);
                if w_m.is_nan() || h_m.is_nan() || w_m.max(h_m) / EARTH_RADIUS >= 3.0 {
                    return Prefilter::None;
                }
                let half = w_m / (2.0 * EARTH_RADIUS);
                let c = cos_min(h_m / EARTH_RADIUS);
                Prefilter::Box {
                    lon: self.lon,
                    lat: self.lat,
                    band: h_m / EARTH_RADIUS,
                    k: c * c,
                    limit: half.sin() * half.sin(),
                }
            }
        }
    }

    /// The cells to read, in Redis's order — the centre's, then north, south, east,
    /// west, north-east, north-west, south-east, south-west — with those the shape
    /// cannot reach zeroed (`geohashCalculateAreasByShapeWGS84`).
    pub(crate) fn cells(&self) -> [Cell; 9] {
        let [min_lon, min_lat, max_lon, max_lat] = self.bounds();
        let radius_m = match self.extent {
            Extent::Radius(r) => r,
            Extent::Box(w, h) => ((w / 2.0) * (w / 2.0) + (h / 2.0) * (h / 2.0)).sqrt(),
        } * self.conversion;
        let mut steps = estimate_steps(radius_m, self.lat);
        let centre = |steps| encode_wgs84(self.lon, self.lat, steps).unwrap_or_default();
        let mut cell = centre(steps);
        let mut n = neighbors(cell);
        let edge = |c: Cell| decode(c);
        let too_small = edge(n.north).is_some_and(|a| a.lat.max < max_lat)
            || edge(n.south).is_some_and(|a| a.lat.min > min_lat)
            || edge(n.east).is_some_and(|a| a.lon.max < max_lon)
            || edge(n.west).is_some_and(|a| a.lon.min > min_lon);
        if steps > 1 && too_small {
            steps -= 1;
            cell = centre(steps);
            n = neighbors(cell);
        }
        if steps >= 2
            && let Some(area) = decode(cell)
        {
            let zero = Cell::default();
            if area.lat.min < min_lat {
                (n.south, n.south_west, n.south_east) = (zero, zero, zero);
            }
            if area.lat.max > max_lat {
                (n.north, n.north_east, n.north_west) = (zero, zero, zero);
            }
            if area.lon.min < min_lon {
                (n.west, n.south_west, n.north_west) = (zero, zero, zero);
            }
            if area.lon.max > max_lon {
                (n.east, n.south_east, n.north_east) = (zero, zero, zero);
            }
        }
        [
            cell,
            n.north,
            n.south,
            n.east,
            n.west,
            n.north_east,
            n.north_west,
            n.south_east,
            n.south_west,
        ]
    }
}

/// A lower bound on the distance from a search's centre, from flops alone: it rules
/// out a position only when Redis's exact test would refuse it too, so the members
/// found, and their order, are unchanged.
///
/// The haversine is `hav(d/R) = sin²(Δφ/2) + cos φ₁ cos φ₂ sin²(Δλ/2)`; with
/// `sin x ≥ x − x³/6` and the least cosine within reach of the centre's latitude, each
/// term has a lower bound without trigonometry. A position near the antipode, where
/// Redis's rounding can make the distance NaN (and so not "farther"), is never ruled
/// out.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Prefilter {
    /// Nothing ruled out (an extent near half the globe or more).
    None,
    Circle {
        lon: f64,
        lat: f64,
        /// The widest latitude difference inside, in radians.
        band: f64,
        /// `cos φ₁` times the least `cos φ₂` within the band.
        k: f64,
        cos_c: f64,
        /// `sin²(r / 2R)` for the widened radius.
        limit: f64,
    },
    Box {
        lon: f64,
        lat: f64,
        /// Half the widened height, in radians of latitude.
        band: f64,
        /// The least `cos² φ` within the box's latitudes.
        k: f64,
        /// `sin²(w / 4R)` for the widened width.
        limit: f64,
    },
}

/// The other side of [`Prefilter`]: an upper bound on the distance (`sin x ≤ x`, the
/// greatest cosine within reach) that shows a position certainly inside, for a search
/// that does not need the distance itself.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Inner {
    /// Nothing shown inside (an extent of nothing, or near half the globe or more).
    None,
    Circle {
        lon: f64,
        lat: f64,
        /// `cos φ₁` times the greatest `cos φ₂` within reach.
        k: f64,
        /// `sin²(r / 2R)` for the narrowed radius.
        limit: f64,
    },
    Box {
        lon: f64,
        lat: f64,
        /// The height in metres, as Redis's test takes it.
        height_m: f64,
        /// The greatest `cos² φ` within the box's latitudes.
        k: f64,
        /// `sin²(w / 4R)` for the narrowed width.
        limit: f64,
    },
}

impl Inner {
    /// Whether Redis's test certainly finds the position inside.
    pub(crate) fn holds(&self, lon: f64, lat: f64) -> bool {
        match *self {
            Inner::None => false,
            Inner::Circle {
                lon: c_lon,
                lat: c_lat,
                k,
                limit,
            } => {
                let x1 = (deg_rad(lat) - deg_rad(c_lat)).abs() / 2.0;
                let x2 = half_lon_gap(lon, c_lon);
                x1 * x1 + k * x2 * x2 < limit
            }
            Inner::Box {
                lon: c_lon,
                lat: c_lat,
                height_m,
                k,
                limit,
            } => {
                // Redis's own latitude test, then a bound on its longitude test.
                if lat_distance(lat, c_lat) > height_m / 2.0 {
                    return false;
                }
                let x2 = half_lon_gap(lon, c_lon);
                k * x2 * x2 < limit
            }
        }
    }
}

/// `x − x³/6`, at most `sin x` for `x ≥ 0`.
fn sin_below(x: f64) -> f64 {
    x - x * x * x / 6.0
}

/// Half the angle between two longitudes in degrees, in radians, folded into
/// `0..=π/2` as `|sin(Δλ/2)|` sees it.
fn half_lon_gap(a: f64, b: f64) -> f64 {
    let d = (a - b).abs();
    let d = if d > 180.0 { 360.0 - d } else { d };
    deg_rad(d) / 2.0
}

impl Prefilter {
    /// Whether every position of a cell is certainly outside the shape (the same
    /// bounds as [`rules_out`](Self::rules_out), at the cell's nearest edges).
    pub(crate) fn rules_out_area(&self, area: &Area) -> bool {
        // Positions decode clamped to the limits (a cell past 180° decodes at 180°).
        let area = Area {
            lon: Range {
                min: area.lon.min.clamp(LON_MIN, LON_MAX),
                max: area.lon.max.clamp(LON_MIN, LON_MAX),
            },
            lat: Range {
                min: area.lat.min.clamp(LAT_MIN, LAT_MAX),
                max: area.lat.max.clamp(LAT_MIN, LAT_MAX),
            },
        };
        // Half the latitude gap to the nearest and farthest edge, in radians.
        let lat_gaps = |c: f64| {
            let (a, b) = (
                (deg_rad(area.lat.min) - deg_rad(c)).abs() / 2.0,
                (deg_rad(area.lat.max) - deg_rad(c)).abs() / 2.0,
            );
            let near = if (area.lat.min..=area.lat.max).contains(&c) {
                0.0
            } else {
                a.min(b)
            };
            (near, a.max(b))
        };
        // The same for longitudes, folded as in `half_lon_gap`.
        let lon_gaps = |c: f64| {
            let within = |x: f64| (area.lon.min..=area.lon.max).contains(&x);
            let (a, b) = (half_lon_gap(area.lon.min, c), half_lon_gap(area.lon.max, c));
            let near = if within(c) || within(c + 360.0) || within(c - 360.0) {
                0.0
            } else {
                a.min(b)
            };
            let far = if within(c + 180.0) || within(c - 180.0) {
                FRAC_PI_2
            } else {
                a.max(b)
            };
            (near, far)
        };
        match *self {
            Prefilter::None => false,
            Prefilter::Circle {
                lon,
                lat,
                band,
                k,
                cos_c,
                limit,
            } => {
                let (x1, x1_far) = lat_gaps(lat);
                let (x2, x2_far) = lon_gaps(lon);
                if x1_far * x1_far + cos_c * x2_far * x2_far >= 0.9 {
                    return false;
                }
                if 2.0 * x1 > band {
                    return true;
                }
                let (s1, s2) = (sin_below(x1), sin_below(x2));
                s1 * s1 + k * s2 * s2 > limit
            }
            Prefilter::Box {
                lon,
                lat,
                band,
                k,
                limit,
            } => {
                if 2.0 * lat_gaps(lat).0 > band {
                    return true;
                }
                let s = sin_below(lon_gaps(lon).0);
                k * s * s > limit
            }
        }
    }

    /// Whether the position is certainly outside the shape.
    pub(crate) fn rules_out(&self, lon: f64, lat: f64) -> bool {
        match *self {
            Prefilter::None => false,
            Prefilter::Circle {
                lon: c_lon,
                lat: c_lat,
                band,
                k,
                cos_c,
                limit,
            } => {
                let x1 = (deg_rad(lat) - deg_rad(c_lat)).abs() / 2.0;
                let x2 = half_lon_gap(lon, c_lon);
                // With sin x ≤ x: far from the antipode, where NaN cannot arise.
                if x1 * x1 + cos_c * x2 * x2 >= 0.9 {
                    return false;
                }
                if 2.0 * x1 > band {
                    return true;
                }
                let (s1, s2) = (sin_below(x1), sin_below(x2));
                s1 * s1 + k * s2 * s2 > limit
            }
            Prefilter::Box {
                lon: c_lon,
                k,
                limit,
                ..
            } => {
                let s = sin_below(half_lon_gap(lon, c_lon));
                k * s * s > limit
            }
        }
    }
}

/// The score ranges of `cell` worth reading: its parts `depth` levels down that
/// `filter` cannot rule out, in score order, adjacent ones merged. Reading only these
/// finds the members reading the whole cell would, in the same order.
pub(crate) fn ranges_to_read(cell: Cell, filter: &Prefilter, depth: u8, out: &mut Vec<(u64, u64)>) {
    let Some(area) = decode(cell) else {
        return;
    };
    // Past 2^53 a score is stored rounded to even: the range of a finest cell with an
    // odd edge then holds a member of its neighbour, so it is never ruled out.
    let (_, max) = cell.score_range();
    let rounded = cell.step >= STEP_MAX && max > 1 << 53;
    if !rounded && filter.rules_out_area(&area) {
        return;
    }
    if depth == 0 || cell.step >= STEP_MAX {
        let (min, max) = cell.score_range();
        match out.last_mut() {
            Some(last) if last.1 == min => last.1 = max,
            _ => out.push((min, max)),
        }
        return;
    }
    for quarter in 0..4 {
        let part = Cell {
            bits: cell.bits << 2 | quarter,
            step: cell.step + 1,
        };
        ranges_to_read(part, filter, depth - 1, out);
    }
}

/// The cells of [`Shape::cells`] Redis reads, in order: zeroed ones skipped, and one
/// equal to the cell read just before it (the first one excepted, as in
/// `membersOfAllNeighbors`).
pub(crate) fn cells_to_read(cells: &[Cell; 9]) -> impl Iterator<Item = Cell> + '_ {
    let mut last: usize = 0;
    cells.iter().enumerate().filter_map(move |(i, &c)| {
        if c.is_zero() || (last != 0 && c == cells[last]) {
            return None;
        }
        last = i;
        Some(c)
    })
}

/// Redis's distance comparator: 1, 0 or -1 (every comparison with NaN is -1).
fn compare(a: f64, b: f64) -> i32 {
    #[allow(clippy::float_cmp)]
    if a > b {
        1
    } else if a == b {
        0
    } else {
        -1
    }
}

/// Sorts by `key` as glibc's `qsort` does (a top-down merge sort, stable), ascending
/// or (`desc`) descending by Redis's comparator.
pub(crate) fn merge_sort<T: Clone>(v: &mut [T], key: impl Fn(&T) -> f64 + Copy, desc: bool) {
    qsort::merge_sort_by(v, |a, b| directed(compare(key(a), key(b)), desc));
}

/// Redis's `pqsort` by `key`: only the positions `lrange..=rrange` are sure to hold
/// what a full sort would put there (equal keys in its own order).
pub(crate) fn partial_sort<T>(
    v: &mut [T],
    key: impl Fn(&T) -> f64 + Copy,
    desc: bool,
    lrange: usize,
    rrange: usize,
) {
    qsort::pqsort_by(
        v,
        |a, b| directed(compare(key(a), key(b)), desc),
        lrange,
        rrange,
    );
}

/// Redis's comparator result as an ordering, reversed for `desc` (its `-cmp`).
fn directed(c: i32, desc: bool) -> Ordering {
    let c = if desc { -c } else { c };
    c.cmp(&0)
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Redis's values, bit for bit
mod tests {
    use super::*;

    #[test]
    fn scores_are_the_ones_redis_stores() {
        // GEOADD k 13.361389 38.115556 Palermo 15.087269 37.502669 Catania;
        // ZSCORE as redis-server 7.0 answers.
        assert_eq!(score_of(13.361_389, 38.115_556), 3_479_099_956_230_698);
        assert_eq!(score_of(15.087_269, 37.502_669), 3_479_447_370_796_909);
        assert_eq!(score_of(-180.0, -85.051_128_78), 0);
        // Both offsets reach 2^26: a bit past each coordinate's 26.
        assert_eq!(score_of(180.0, 85.051_128_78), 13_510_798_882_111_488);
        assert_eq!(score_of(0.0, 0.0), 3_377_699_720_527_872);
    }

    #[test]
    fn interleaving_round_trips() {
        for (lat, lon) in [
            (0, 0),
            (1, 0),
            (0, 1),
            (0x3ff_ffff, 0x155_5555),
            (u32::MAX, 7),
        ] {
            assert_eq!(deinterleave(interleave(lat, lon)), (lat, lon));
        }
        assert_eq!(interleave(1, 0), 1);
        assert_eq!(interleave(0, 1), 2);
    }

    #[test]
    fn positions_decode_as_redis_reports_them() {
        // GEOPOS k Palermo: 13.36138933897018433 38.11555639549629859.
        let (lon, lat) = decode_score(3_479_099_956_230_698.0);
        assert_eq!(format!("{lon:.17}"), "13.36138933897018433");
        assert_eq!(format!("{lat:.17}"), "38.11555639549629859");
        // GEOHASH k Palermo: sqc8b49rny0.
        assert_eq!(&geohash_string(3_479_099_956_230_698.0), b"sqc8b49rny0");
        assert_eq!(&geohash_string(3_479_447_370_796_909.0), b"sqdtr74hyu0");
        assert_eq!(&geohash_string(0.0), b"00bh0hbj200");
        assert_eq!(&geohash_string(13_510_798_882_111_488.0), b"bp05b5048p0");
        assert_eq!(&geohash_string(3_377_699_720_527_872.0), b"s0000000000");
        // ZADD k -1 neg; GEOPOS k neg: 180 85.0511287799999991 (clamped).
        assert_eq!(decode_score(-1.0), (180.0, LAT_MAX));
        let (lon, lat) = decode_score(0.0);
        assert_eq!(
            format!("{lon:.17} {lat:.17}"),
            "-179.99999731779098511 -85.05112751263942528"
        );
    }

    #[test]
    fn out_of_range_scores_convert_as_c_does_on_x86_64() {
        assert_eq!(score_bits(-1.0), u64::MAX);
        assert_eq!(score_bits(f64::NAN), 1 << 63);
        assert_eq!(score_bits(f64::INFINITY), 0);
        assert_eq!(score_bits(f64::NEG_INFINITY), 1 << 63);
        assert_eq!(score_bits(9_223_372_036_854_775_808.0), 1 << 63);
        assert_eq!(score_bits(1.5), 1);
    }

    #[test]
    fn distances_match_redis() {
        // GEODIST k Palermo Catania: 166274.1516 m.
        let (lo1, la1) = decode_score(3_479_099_956_230_698.0);
        let (lo2, la2) = decode_score(3_479_447_370_796_909.0);
        let d = distance(lo1, la1, lo2, la2);
        assert!((d - 166_274.151_6).abs() < 1e-4, "{d}");
        assert_eq!(
            distance(lo1, la1, lo1, la1 + 1.0),
            lat_distance(la1, la1 + 1.0)
        );
    }

    #[test]
    fn steps_shrink_with_the_radius_and_near_the_poles() {
        assert_eq!(estimate_steps(0.0, 0.0), 26);
        // 1 m doubles 25 times to pass 20037726.37: step 26, less 2.
        assert_eq!(estimate_steps(1.0, 0.0), 24);
        assert_eq!(estimate_steps(1000.0, 0.0), 14);
        assert_eq!(estimate_steps(1000.0, 70.0), 13);
        assert_eq!(estimate_steps(1000.0, -81.0), 12);
        assert_eq!(estimate_steps(5_000_000.0, 0.0), 2);
        assert_eq!(estimate_steps(20_000_000.0, 0.0), 1);
        assert_eq!(estimate_steps(f64::INFINITY, 0.0), 1);
    }

    #[test]
    fn neighbours_wrap_around_the_antimeridian() {
        let c = encode_wgs84(179.9, 0.0, 4).unwrap();
        let n = neighbors(c);
        let east = decode(n.east).unwrap();
        assert_eq!(east.lon.min, -180.0);
        let west = decode(n.west).unwrap();
        assert!(west.lon.max <= decode(c).unwrap().lon.min);
        let north = decode(n.north).unwrap();
        assert_eq!(north.lat.min, decode(c).unwrap().lat.max);
        assert_eq!(n.north_east, {
            let mut x = n.north;
            move_x(&mut x, 1);
            x
        });
    }

    #[test]
    fn cell_ranges_cover_their_positions() {
        let c = encode_wgs84(13.361_389, 38.115_556, 10).unwrap();
        let (min, max) = c.score_range();
        let s = score_of(13.361_389, 38.115_556);
        assert!(min <= s && s < max);
        assert_eq!(max - min, 1 << 32);
    }

    #[test]
    fn repeated_cells_are_read_once_unless_first() {
        let a = Cell { bits: 5, step: 1 };
        let b = Cell { bits: 6, step: 1 };
        let z = Cell::default();
        let cells = [a, a, a, b, b, z, b, a, a];
        let read: Vec<Cell> = cells_to_read(&cells).collect();
        assert_eq!(read, [a, a, b, a]);
    }

    #[test]
    fn the_bounds_decide_only_what_the_exact_test_decides() {
        let mut seed = 99u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            f64::from(u32::try_from(seed >> 32).unwrap()) / f64::from(u32::MAX)
        };
        let (mut ruled, mut inside, mut shown) = (0, 0, 0);
        for i in 0..4000 {
            let lon = -180.0 + 360.0 * next();
            let lat = if i % 3 == 0 {
                80.0 + 5.05 * next()
            } else {
                -85.0 + 170.0 * next()
            };
            let size = [1.0, 100.0, 10_000.0, 500_000.0, 5_000_000.0, 19_000_000.0][i % 6] * next();
            let extent = if i % 2 == 0 {
                Extent::Radius(size)
            } else {
                Extent::Box(size, size * 2.0 * next())
            };
            let shape = Shape {
                lon,
                lat,
                extent,
                conversion: 1.0,
            };
            let filter = shape.prefilter();
            let inner = shape.inner();
            for _ in 0..200 {
                // Points near the centre (and across the antimeridian) as often as not.
                let (plon, plat) = if next() < 0.5 {
                    let spread = size / 50_000.0 * next();
                    let plon = lon + spread * (next() - 0.5) * 4.0;
                    let plon = if plon > 180.0 {
                        plon - 360.0
                    } else if plon < -180.0 {
                        plon + 360.0
                    } else {
                        plon
                    };
                    (
                        plon,
                        (lat + spread * (next() - 0.5) * 2.0).clamp(LAT_MIN, LAT_MAX),
                    )
                } else {
                    (-180.0 + 360.0 * next(), -85.0 + 170.0 * next())
                };
                let exact = shape.contains_at(plon, plat);
                if inner.holds(plon, plat) {
                    shown += 1;
                    assert!(exact.is_some(), "{shape:?} ({plon}, {plat})");
                }
                if filter.rules_out(plon, plat) {
                    ruled += 1;
                    assert_eq!(exact, None, "{shape:?} ({plon}, {plat})");
                }
                inside += usize::from(exact.is_some());
            }
        }
        assert!(ruled > 100_000 && inside > 10_000, "{ruled} {inside}");
        assert!(shown > inside / 2, "{shown} of {inside}");
    }

    #[test]
    fn merge_sort_is_stable() {
        let mut v = vec![(2.0, 'a'), (1.0, 'b'), (2.0, 'c'), (1.0, 'd'), (0.5, 'e')];
        merge_sort(&mut v, |x| x.0, false);
        assert_eq!(v.iter().map(|x| x.1).collect::<String>(), "ebdac");
        merge_sort(&mut v, |x| x.0, true);
        assert_eq!(v.iter().map(|x| x.1).collect::<String>(), "acbde");
    }

    #[test]
    fn partial_sort_places_the_asked_positions() {
        let mut rng = 12345u64;
        for len in [1usize, 5, 8, 41, 100, 333] {
            let mut v: Vec<f64> = (0..len)
                .map(|_| {
                    rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    f64::from(u32::try_from(rng >> 40).unwrap() % 50)
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            let k = len.div_ceil(3);
            partial_sort(&mut v, |x| *x, false, 0, k - 1);
            assert_eq!(v[..k], sorted[..k], "len {len}");
        }
    }
}
