"""Paint each defect type onto a :class:`~inspector.synth.render.Canvas`.

A painter works in the ring's own coordinates where it can: ``t`` in px along the
centreline from the defect's angle, and ``s`` in px across the cross-section (``+h``
the outer edge). Outlines are rasterised 4× supersampled (or by analytic coverage),
so the truth sizes hold to sub-pixel accuracy before the optical blur. Each painter
returns the :class:`DefectTruth` of what it painted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from inspector.synth.render import F32, F64, Canvas, RingGeometry, coverage
from inspector.synth.scene import DefectSpec
from inspector.synth.truth import Background, DefectTruth, DefectType, Lighting, Material, Where

_SUPER = 4  # supersampling factor for outlines
_SHIFT = 2  # OpenCV fixed-point bits: point coordinates are in 1/4 px


def _rng(spec: DefectSpec, purpose: int) -> np.random.Generator:
    return np.random.default_rng([spec.seed, purpose])


def _wrap(angle: F32 | F64) -> F32:
    return np.asarray((angle + np.pi) % (2.0 * np.pi) - np.pi, dtype=np.float32)


def _to_image(geom: RingGeometry, phi0: float, t: F64, s: F64) -> tuple[F64, F64]:
    """Map ring coordinates (t along, s across; px) near ``phi0`` to image (x, y)."""
    return geom.point(phi0 + t / geom.speed(phi0), s)


def _raster(
    box: tuple[int, int, int, int],
    shapes: Sequence[tuple[F64, F64]],
    *,
    thickness: Sequence[float] | None = None,
) -> F32:
    """Rasterise filled polygons (``thickness`` None) or polylines over an image box.

    Points are image (x, y) = (col, row). Returns (rows, cols) coverage in [0, 1].
    """
    y0, y1, x0, x1 = box
    big = np.zeros(((y1 - y0) * _SUPER, (x1 - x0) * _SUPER), dtype=np.float32)
    for k, (xs, ys) in enumerate(shapes):
        # image pixel centre X sits at (X - x0 + 0.5) * S - 0.5 in the supersampled canvas
        kx = ((xs - x0 + 0.5) * _SUPER - 0.5) * (1 << _SHIFT)
        ky = ((ys - y0 + 0.5) * _SUPER - 0.5) * (1 << _SHIFT)
        pts = np.stack([kx, ky], axis=1).round().astype(np.int32)
        if thickness is None:
            cv2.fillPoly(big, [pts], 1.0, cv2.LINE_AA, _SHIFT)
        else:
            width = max(round(thickness[k] * _SUPER), 1)
            cv2.polylines(big, [pts], False, 1.0, width, cv2.LINE_AA, _SHIFT)
    # cv2.resize takes dsize as (width, height) = (cols, rows)
    small = cv2.resize(big, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    return np.clip(np.asarray(small, dtype=np.float32), 0.0, 1.0)


def _bbox(
    mask: F32, box: tuple[int, int, int, int], threshold: float, fallback: tuple[float, float]
) -> tuple[int, int, int, int]:
    """Image [x, y, w, h] of the pixels of ``mask`` (over ``box``) above ``threshold``."""
    rows, cols = np.nonzero(mask > threshold)
    if rows.size == 0:
        return (int(fallback[0]), int(fallback[1]), 1, 1)
    y0, _, x0, _ = box
    # numpy gives (row, col); the truth box is (x = col, y = row, w, h)
    return (
        int(x0 + cols.min()),
        int(y0 + rows.min()),
        int(cols.max() - cols.min() + 1),
        int(rows.max() - rows.min() + 1),
    )


def _angle_deg(geom: RingGeometry, x: float, y: float) -> float:
    return round(math.degrees(math.atan2(y - geom.cy, x - geom.cx)) % 360.0, 3)


def _profile(rng: np.random.Generator, t: F32, half: float, knots: int, amount: float) -> F32:
    """A smooth random factor 1 ± amount along ``t`` in [−half, half]."""
    xs = np.linspace(-half, half, knots)
    ys = 1.0 + amount * np.clip(rng.normal(0.0, 1.0, knots), -2.0, 2.0)
    return np.asarray(np.interp(t, xs, ys), dtype=np.float32)


def _sl(canvas: Canvas, box: tuple[int, int, int, int]) -> tuple[slice, slice]:
    del canvas
    return slice(box[0], box[1]), slice(box[2], box[3])


def _polarity_light(canvas: Canvas, rng: np.random.Generator, p_black: float) -> bool:
    material = canvas.scene.material
    p = {Material.BLACK: p_black, Material.WHITE: 1.0 - p_black, Material.AMBER: 0.5}[material]
    return bool(rng.random() < p)


def _truth(
    spec: DefectSpec,
    where: Where,
    bbox: tuple[int, int, int, int],
    length_px: float,
    width_px: float,
    angle: float,
    polarity: str,
    contrast: float,
    px_per_mm: float,
) -> DefectTruth:
    return DefectTruth(
        type=spec.type,
        where=where,
        bbox_px=bbox,
        length_mm=round(length_px / px_per_mm, 4),
        width_mm=round(width_px / px_per_mm, 4),
        angle_deg=angle,
        polarity=polarity,
        contrast=round(contrast, 4),
    )


def displacement_for(
    spec: DefectSpec, geom: RingGeometry, px_per_mm: float
) -> Callable[[F32], F32] | None:
    """For a cut, the radial shift (px) of one free end as a function of ``phi``."""
    if spec.type is not DefectType.CUT:
        return None
    rng = _rng(spec, 9)
    shift = float(rng.uniform(-0.3, 0.3)) * geom.h
    side = 1.0 if rng.random() < 0.5 else -1.0
    span = float(rng.uniform(0.15, 0.5))
    half_gap = spec.width_mm * px_per_mm / 2.0 / geom.speed(spec.phi)
    phi0 = spec.phi

    def apply(phi: F32) -> F32:
        d = side * _wrap(phi - phi0)
        frac = np.clip(d / span, 0.0, 1.0)
        weight = np.where(d > -half_gap, 0.5 * (1.0 + np.cos(np.pi * frac)), 0.0)
        return np.asarray(shift * weight, dtype=np.float32)

    return apply


def paint_defect(canvas: Canvas, spec: DefectSpec) -> DefectTruth:
    """Paint one defect onto the canvas and return its truth."""
    painters: dict[DefectType, Callable[[Canvas, DefectSpec], DefectTruth]] = {
        DefectType.SCRATCH: _scratch,
        DefectType.CRACK: _crack,
        DefectType.CUT: _cut,
        DefectType.BLISTER: _blister,
        DefectType.INCLUSION: _inclusion,
        DefectType.FLASH: _flash,
        DefectType.NON_FILL: _non_fill,
        DefectType.STAIN: _stain,
    }
    return painters[spec.type](canvas, spec)


def _scratch(canvas: Canvas, spec: DefectSpec) -> DefectTruth:
    rng = _rng(spec, 1)
    geom, ppm = canvas.geom, canvas.px_per_mm
    h = geom.h
    length = spec.length_mm * ppm
    width = max(spec.width_mm * ppm, 1.0)
    s0 = spec.u * h * 0.6
    angle = spec.orientation
    avail = 0.82 * h - abs(s0)
    if length / 2.0 * abs(math.sin(angle)) > avail:
        length = max(2.0 * avail / max(abs(math.sin(angle)), 1e-6), 3.0)
    bow = float(rng.normal(0.0, 0.12)) / max(length, 1.0)
    n = max(int(length / 2.0), 8)
    ll = np.linspace(-length / 2.0, length / 2.0, n)
    t = ll * math.cos(angle) - bow * ll**2 * math.sin(angle)
    s = np.clip(s0 + ll * math.sin(angle) + bow * ll**2 * math.cos(angle), -0.9 * h, 0.9 * h)
    xs, ys = _to_image(geom, spec.phi, t, s)
    true_length = float(np.sum(np.hypot(np.diff(xs), np.diff(ys))))
    cx, cy = float(xs[n // 2]), float(ys[n // 2])
    box = canvas.patch(cx, cy, length / 2.0 + width + 4.0)
    mask = _raster(box, [(xs, ys)], thickness=[width])
    sl = _sl(canvas, box)
    mask = mask * canvas.alpha[sl]
    wy, wx = mask.shape
    if wy > 2 and wx > 2:
        mask = mask * np.clip(1.0 + 0.3 * _noise2(rng, mask.shape, length / 6.0), 0.4, 1.0)
    light = _polarity_light(canvas, rng, 0.8)
    c = spec.contrast
    factor = np.exp((1.6 if light else -1.3) * c * mask)
    canvas.ring[sl] *= factor[..., None]
    return _truth(
        spec,
        Where.SURFACE,
        _bbox(mask, box, 0.05, (cx, cy)),
        true_length,
        width,
        _angle_deg(geom, cx, cy),
        "light" if light else "dark",
        c,
        ppm,
    )


def _noise2(rng: np.random.Generator, shape: tuple[int, ...], scale: float) -> F32:
    from inspector.synth.render import smooth_noise

    return smooth_noise(rng, (int(shape[0]), int(shape[1])), scale_px=max(scale, 2.0))


def _walk(
    rng: np.random.Generator, t0: float, s0: float, heading: float, length: float, h: float
) -> tuple[F64, F64]:
    """A jagged random-walk polyline in ring coordinates, stopping at the far edge."""
    ts, ss = [t0], [s0]
    base = heading
    walked = 0.0
    while walked < length:
        step = float(rng.uniform(1.5, 3.0))
        heading += float(rng.normal(0.0, 0.45)) + 0.3 * (base - heading)
        t1 = ts[-1] + step * math.cos(heading)
        s1 = ss[-1] + step * math.sin(heading)
        if abs(s1) > h - 0.5 and len(ts) > 2:
            break
        ts.append(t1)
        ss.append(float(np.clip(s1, -h + 0.5, h - 0.5)) if abs(s0) < h else s1)
        walked += step
    return np.asarray(ts), np.asarray(ss)


def _crack(canvas: Canvas, spec: DefectSpec) -> DefectTruth:
    rng = _rng(spec, 2)
    geom, ppm = canvas.geom, canvas.px_per_mm
    h = geom.h
    length = spec.length_mm * ppm
    if spec.where is Where.SURFACE:
        inward = 1.0 if rng.random() < 0.5 else -1.0
        s0 = -inward * float(rng.uniform(0.3, 0.85)) * h
    else:
        inward = -1.0 if spec.where is Where.OUTER_EDGE else 1.0
        s0 = -inward * (h + 1.0)
    heading = inward * spec.orientation  # about ±π/2: across the cross-section
    ts, ss = _walk(rng, 0.0, s0, heading, length, h + 2.0)
    n = len(ts)
    w_max = spec.width_mm * ppm
    widths = np.clip(
        w_max * (1.0 - 0.6 * np.linspace(0.0, 1.0, n)) * rng.uniform(0.7, 1.1, n), 1.0, 4.0
    )
    lines: list[tuple[F64, F64]] = []
    thick: list[float] = []
    xs, ys = _to_image(geom, spec.phi, ts, ss)
    for k in range(n - 1):
        lines.append((xs[k : k + 2], ys[k : k + 2]))
        thick.append(float(widths[k]))
    true_length = float(np.sum(np.hypot(np.diff(xs), np.diff(ys))))
    if n > 6 and rng.random() < 0.4:
        k = int(rng.integers(n // 3, 2 * n // 3))
        bt, bs = _walk(
            rng,
            float(ts[k]),
            float(ss[k]),
            heading + float(rng.choice([-0.8, 0.8])),
            length * float(rng.uniform(0.2, 0.45)),
            h - 1.0,
        )
        bx, by = _to_image(geom, spec.phi, bt, bs)
        for j in range(len(bt) - 1):
            lines.append((bx[j : j + 2], by[j : j + 2]))
            thick.append(max(float(widths[k]) * 0.6, 1.0))
    allx = np.concatenate([p[0] for p in lines])
    ally = np.concatenate([p[1] for p in lines])
    cx, cy = float(allx.mean()), float(ally.mean())
    radius = float(max(np.abs(allx - cx).max(), np.abs(ally - cy).max())) + 8.0
    box = canvas.patch(cx, cy, radius)
    sl = _sl(canvas, box)
    mask = _raster(box, lines, thickness=thick)
    nick = np.zeros_like(mask)
    if spec.where is not Where.SURFACE:
        edge = -inward * h
        bw = float(widths[0]) * float(rng.uniform(1.2, 2.2))
        depth = float(widths[0]) * float(rng.uniform(1.5, 3.0))
        nt = np.array([-bw / 2.0, bw / 2.0, 0.0])
        ns = np.array([edge - inward * 3.0, edge - inward * 3.0, edge + inward * depth])
        nick = _raster(box, [_to_image(geom, spec.phi, nt, ns)])
        canvas.alpha[sl] = canvas.alpha[sl] * (1.0 - nick)
    mask = mask * canvas.alpha[sl]
    c = float(np.clip(spec.contrast + 0.3, 0.5, 0.9))
    canvas.ring[sl] *= (1.0 - c * mask)[..., None]
    return _truth(
        spec,
        spec.where,
        _bbox(np.maximum(mask, nick), box, 0.05, (cx, cy)),
        true_length,
        float(widths.max()),
        _angle_deg(geom, cx, cy),
        "dark",
        c,
        ppm,
    )


def _cut(canvas: Canvas, spec: DefectSpec) -> DefectTruth:
    rng = _rng(spec, 3)
    geom, ppm = canvas.geom, canvas.px_per_mm
    h = geom.h
    gap = spec.width_mm * ppm
    reach = h * 1.4 + 4.0
    skew = float(rng.normal(0.0, 0.15))
    n = 6
    side_s = np.linspace(-reach, reach, n)
    jitter = rng.normal(0.0, 0.25, (2, n))
    left_t = -gap / 2.0 + side_s * skew + jitter[0]
    right_t = gap / 2.0 + side_s * skew + jitter[1]
    t = np.concatenate([left_t, right_t[::-1]])
    s = np.concatenate([side_s, side_s[::-1]])
    xs, ys = _to_image(geom, spec.phi, t, s)
    cx, cy = (float(v) for v in geom.point(spec.phi, 0.0))
    box = canvas.patch(cx, cy, reach + gap + 6.0)
    sl = _sl(canvas, box)
    removed = _raster(box, [(xs, ys)])
    before = canvas.alpha[sl].copy()
    canvas.alpha[sl] = before * (1.0 - removed)
    # the cut faces catch a little less light at the very ends
    near = cv2.GaussianBlur(removed, (0, 0), 1.5)
    canvas.ring[sl] *= (1.0 - 0.35 * np.clip(near - removed, 0.0, 1.0) * 2.0)[..., None]
    changed = before - canvas.alpha[sl]
    return _truth(
        spec,
        Where.SURFACE,
        _bbox(changed, box, 0.05, (cx, cy)),
        2.0 * h,
        gap,
        _angle_deg(geom, cx, cy),
        "mixed",
        1.0,
        ppm,
    )


def _local_xy(box: tuple[int, int, int, int], cx: float, cy: float) -> tuple[F32, F32]:
    y0, y1, x0, x1 = box
    # rows are y, columns x
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] - np.float32(cy)
    xs = np.arange(x0, x1, dtype=np.float32)[None, :] - np.float32(cx)
    dx, dy = np.broadcast_arrays(xs, ys)
    return np.asarray(dx, dtype=np.float32), np.asarray(dy, dtype=np.float32)


def _blister(canvas: Canvas, spec: DefectSpec) -> DefectTruth:
    rng = _rng(spec, 4)
    geom, ppm, look = canvas.geom, canvas.px_per_mm, canvas.look
    h = geom.h
    r = max(spec.length_mm * ppm / 2.0, 1.0)
    rb = max(spec.width_mm * ppm / 2.0, 1.0)
    s0 = float(np.clip(spec.u * h, -(0.88 * h - r), 0.88 * h - r)) if r < 0.88 * h else 0.0
    cx, cy = (float(v) for v in geom.point(spec.phi, s0))
    box = canvas.patch(cx, cy, r * 1.5 + 4.0)
    sl = _sl(canvas, box)
    dx, dy = _local_xy(box, cx, cy)
    beta = float(rng.uniform(0, math.pi))
    px = dx * math.cos(beta) + dy * math.sin(beta)
    py = -dx * math.sin(beta) + dy * math.cos(beta)
    q = np.sqrt((px / r) ** 2 + (py / rb) ** 2)
    disk = coverage((1.0 - q) * rb) * canvas.alpha[sl]
    s, _, _, rx, ry = canvas.fields(box)
    u = np.asarray(np.clip(s / h, -1.0, 1.0), dtype=np.float32)
    nz0 = np.sqrt(np.maximum(1.0 - u * u, 0.0))
    lx, ly, lz = canvas.light
    if canvas.scene.look.ring_light and canvas.scene.lighting is Lighting.FRONT:
        lx, ly, lz = 0.0, 0.0, 1.0
    c = spec.contrast
    ring = canvas.ring[sl]
    dome = rng.random() < 0.6
    if dome:
        f = float(rng.uniform(0.8, 1.6))
        inside = q < 1.0
        nx = u * rx + np.where(inside, f * dx / r, 0.0)
        ny = u * ry + np.where(inside, f * dy / r, 0.0)
        nn = np.sqrt(nx * nx + ny * ny + nz0 * nz0) + 1e-6
        lam = np.maximum((nx * lx + ny * ly + nz0 * lz) / nn, 0.0)
        lam0 = np.maximum(u * rx * lx + u * ry * ly + nz0 * lz, 0.05)
        ratio = np.clip(lam / lam0, 0.15, 3.0)
        rim = np.exp(-(((q - 1.0) / 0.12) ** 2))
        factor = 1.0 + disk * (ratio - 1.0) * (0.6 + c) - 0.3 * c * rim * canvas.alpha[sl]
        hz = lz + 1.0
        hn = math.sqrt(lx * lx + ly * ly + hz * hz)
        glint = np.maximum((nx * lx + ny * ly + nz0 * hz) / (nn * hn), 0.0) ** look.shininess
        strength = 1.0 if canvas.scene.lighting is Lighting.FRONT else canvas.scene.look.fill_light
        canvas.ring[sl] = ring * factor[..., None] + (
            disk * glint * max(look.specular, 0.15) * strength * 0.8
        )[..., None].astype(np.float32)
    else:
        inner = coverage((0.78 - q) * rb)
        rim = np.exp(-(((q - 0.9) / 0.12) ** 2)) * canvas.alpha[sl]
        factor = (1.0 - (0.35 + 0.6 * c) * inner * canvas.alpha[sl]) * (1.0 + (0.8 + c) * rim)
        canvas.ring[sl] = ring * factor[..., None]
    mask = np.maximum(disk, np.where(q < 1.12, canvas.alpha[sl], 0.0))
    return _truth(
        spec,
        Where.SURFACE,
        _bbox(mask, box, 0.3, (cx, cy)),
        2.0 * r,
        2.0 * rb,
        _angle_deg(geom, cx, cy),
        "mixed",
        c,
        ppm,
    )


def _inclusion(canvas: Canvas, spec: DefectSpec) -> DefectTruth:
    rng = _rng(spec, 5)
    geom, ppm = canvas.geom, canvas.px_per_mm
    h = geom.h
    r = max(spec.length_mm * ppm / 2.0, 0.8)
    squash = spec.width_mm / max(spec.length_mm, 1e-9)
    s0 = float(np.clip(spec.u * h * 0.8, -(0.85 * h - r), 0.85 * h - r)) if r < 0.85 * h else 0.0
    cx, cy = (float(v) for v in geom.point(spec.phi, s0))
    k = int(rng.integers(7, 13))
    ang = np.sort(rng.uniform(0.0, 2.0 * math.pi, k))
    rad = r * rng.uniform(0.55, 1.0, k)
    rad[int(np.argmax(rad))] = r
    beta = float(rng.uniform(0, math.pi))
    lx = rad * np.cos(ang)
    ly = rad * np.sin(ang) * squash
    xs = cx + lx * math.cos(beta) - ly * math.sin(beta)
    ys = cy + lx * math.sin(beta) + ly * math.cos(beta)
    box = canvas.patch(cx, cy, r + 4.0)
    sl = _sl(canvas, box)
    mask = _raster(box, [(xs, ys)]) * canvas.alpha[sl]
    material = canvas.scene.material
    if material is Material.BLACK:
        grey = float(rng.uniform(0.14, 0.45))
        colour = np.array([grey * rng.uniform(1.0, 1.12), grey, grey * rng.uniform(0.9, 1.0)])
        light = True
    elif material is Material.WHITE:
        grey = float(rng.uniform(0.02, 0.14))
        colour = np.array([grey * 0.7, grey * 0.85, grey])
        light = False
    else:
        light = bool(rng.random() < 0.3)
        grey = float(rng.uniform(0.35, 0.6) if light else rng.uniform(0.01, 0.05))
        colour = np.array([grey * 0.8, grey * 0.9, grey])
    s, *_ = canvas.fields(box)
    nz = np.sqrt(np.maximum(1.0 - np.clip(s / h, -1.0, 1.0) ** 2, 0.0))
    strength = 1.0 if canvas.scene.lighting is Lighting.FRONT else canvas.scene.look.fill_light
    shade = (0.25 + 0.75 * nz) * strength * canvas.scene.look.exposure
    ink = shade[..., None] * colour.astype(np.float32)[None, None, :]
    canvas.ring[sl] = canvas.ring[sl] * (1.0 - mask[..., None]) + ink * mask[..., None]
    pts = np.stack([xs, ys], axis=1).astype(np.float32)
    (_, _), (rw, rh), _ = cv2.minAreaRect(pts)
    return _truth(
        spec,
        Where.SURFACE,
        _bbox(mask, box, 0.1, (cx, cy)),
        float(max(rw, rh)),
        float(min(rw, rh)),
        _angle_deg(geom, cx, cy),
        "light" if light else "dark",
        1.0,
        ppm,
    )


def _edge_box(
    canvas: Canvas, spec: DefectSpec, along: float, height: float
) -> tuple[tuple[int, int, int, int], float, float]:
    side = 1.0 if spec.where is Where.OUTER_EDGE else -1.0
    cx, cy = (float(v) for v in canvas.geom.point(spec.phi, side * canvas.geom.h))
    return canvas.patch(cx, cy, along / 2.0 + height + 6.0), cx, cy


def _flash(canvas: Canvas, spec: DefectSpec) -> DefectTruth:
    rng = _rng(spec, 6)
    geom, ppm, look, scene = canvas.geom, canvas.px_per_mm, canvas.look, canvas.scene
    side = 1.0 if spec.where is Where.OUTER_EDGE else -1.0
    along = spec.length_mm * ppm
    height = max(spec.width_mm * ppm, 1.0)
    box, cx, cy = _edge_box(canvas, spec, along, height)
    sl = _sl(canvas, box)
    s, phi, g, _, _ = canvas.fields(box)
    t = _wrap(phi - spec.phi) * geom.speed(spec.phi)
    half = along / 2.0
    taper = np.clip(1.0 - (t / half) ** 2, 0.0, 1.0) ** float(rng.uniform(0.25, 0.6))
    wobble = _profile(rng, t, half, int(rng.integers(6, 14)), 0.25)
    rough = _profile(rng, t, half, int(rng.integers(20, 40)), 0.08)
    prof = taper * wobble * rough
    prof = prof / max(float(prof.max()), 1e-6) * height
    beyond = (s - side * geom.h) * side  # px outwards from the edge
    cov = np.clip(coverage((prof - beyond) / g) - coverage(-beyond / g), 0.0, 1.0)
    if scene.material is Material.BLACK:
        opacity = float(rng.uniform(0.55, 0.9))
    else:
        opacity = float(rng.uniform(0.35, 0.75))
    thin = 1.0 - 0.45 * np.clip(beyond / np.maximum(prof, 1e-3), 0.0, 1.0)
    fa = cov * opacity * thin
    film_mm = float(rng.uniform(0.05, 0.25))
    transmit = np.exp(-film_mm * look.absorption_per_mm)
    if scene.lighting is Lighting.FRONT:
        lz = canvas.light[2] if not scene.look.ring_light else 0.8
        colour = look.albedo * (0.12 + 0.88 * lz) * 1.05
        # the flat film catches a sheen that the dark background does not
        colour = colour + 0.3 * look.specular * float(rng.uniform(0.3, 1.0))
        if scene.background is Background.LIGHT:
            colour = colour + 0.3 * canvas.background_level * transmit
    else:
        # scattering in the film loses light even where absorption is weak
        scatter = float(rng.uniform(0.35, 0.7))
        colour = canvas.background_level * transmit * scatter
        colour = colour + look.albedo * scene.look.fill_light * 0.5
    current = canvas.flash_alpha[sl]
    take = fa > current
    canvas.flash_alpha[sl] = np.where(take, fa, current)
    canvas.flash_color[sl] = np.where(
        take[..., None], colour.astype(np.float32)[None, None, :], canvas.flash_color[sl]
    )
    return _truth(
        spec,
        spec.where,
        _bbox(cov, box, 0.1, (cx, cy)),
        along,
        height,
        _angle_deg(geom, cx, cy),
        "mixed",
        opacity,
        ppm,
    )


def _non_fill(canvas: Canvas, spec: DefectSpec) -> DefectTruth:
    rng = _rng(spec, 7)
    geom, ppm = canvas.geom, canvas.px_per_mm
    side = 1.0 if spec.where is Where.OUTER_EDGE else -1.0
    along = spec.length_mm * ppm
    depth = max(spec.width_mm * ppm, 1.0)
    box, cx, cy = _edge_box(canvas, spec, along, depth)
    sl = _sl(canvas, box)
    s, phi, g, _, _ = canvas.fields(box)
    t = _wrap(phi - spec.phi) * geom.speed(spec.phi)
    half = along / 2.0
    base = np.clip(1.0 - (t / half) ** 2, 0.0, 1.0) ** float(rng.uniform(0.35, 0.8))
    irregular = rng.random() < 0.5
    prof = base * (_profile(rng, t, half, int(rng.integers(8, 20)), 0.3) if irregular else 1.0)
    prof = prof / max(float(prof.max()), 1e-6) * depth
    beyond = (s - side * geom.h) * side  # px outwards from the edge; negative inside
    removed = np.clip(coverage((beyond + prof) / g) - coverage(beyond / g), 0.0, 1.0)
    canvas.alpha[sl] = np.clip(canvas.alpha[sl] - removed, 0.0, 1.0)
    rough = np.exp(-(((beyond + prof) / 2.0) ** 2)) * (prof > 0.5)
    # the torn, matte floor of the notch scatters light: lighter on a dark setting
    dark_setting = canvas.scene.background is Background.DARK
    canvas.ring[sl] *= (1.0 + (0.9 if dark_setting else -0.3) * rough)[..., None]
    return _truth(
        spec,
        spec.where,
        _bbox(removed, box, 0.1, (cx, cy)),
        along,
        depth,
        _angle_deg(geom, cx, cy),
        "mixed",
        1.0,
        ppm,
    )


def _stain(canvas: Canvas, spec: DefectSpec) -> DefectTruth:
    rng = _rng(spec, 8)
    geom, ppm, scene = canvas.geom, canvas.px_per_mm, canvas.scene
    h = geom.h
    s1 = spec.length_mm * ppm / 4.0
    s2 = max(spec.width_mm * ppm / 4.0, 0.5)
    s0 = spec.u * h
    cx, cy = (float(v) for v in geom.point(spec.phi, s0))
    box = canvas.patch(cx, cy, 2.5 * max(s1, s2) + 4.0)
    sl = _sl(canvas, box)
    s, phi, _, _, _ = canvas.fields(box)
    t = _wrap(phi - spec.phi) * geom.speed(spec.phi)
    v = s - s0
    beta = spec.orientation
    p = t * math.cos(beta) + v * math.sin(beta)
    q = -t * math.sin(beta) + v * math.cos(beta)
    m = np.exp(-0.5 * ((p / s1) ** 2 + (q / s2) ** 2))
    if min(m.shape) > 2:
        m = m * np.clip(1.0 + 0.2 * _noise2(rng, m.shape, s2), 0.6, 1.3)
    m = np.asarray(m * canvas.alpha[sl], dtype=np.float32)
    light = _polarity_light(canvas, rng, 0.7)
    c = spec.contrast
    # contrast is meant in the final (gamma-encoded) image; convert it to linear light
    c_lin = 1.0 - (1.0 - c) ** scene.look.gamma
    if light:
        tint = np.array([rng.uniform(0.8, 1.0), rng.uniform(0.9, 1.0), 1.0], dtype=np.float32)
        factor = 1.0 + c_lin * m[..., None] * tint[None, None, :] * 1.3
    else:
        tint = np.array([1.0, rng.uniform(0.6, 0.85), rng.uniform(0.3, 0.6)], dtype=np.float32)
        factor = 1.0 - c_lin * m[..., None] * tint[None, None, :]
    if scene.channels == 1:
        factor = factor.mean(axis=2, keepdims=True)
    canvas.ring[sl] *= factor
    return _truth(
        spec,
        Where.SURFACE,
        _bbox(m, box, math.exp(-2.0) * 0.9, (cx, cy)),
        4.0 * s1,
        4.0 * s2,
        _angle_deg(geom, cx, cy),
        "light" if light else "dark",
        c,
        ppm,
    )
