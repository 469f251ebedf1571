"""Render one scene: ring geometry, shading, background, clutter and the camera.

The ring is an elliptical annulus: a centreline ellipse with semi-axes ``a``, ``b``
and the family of ellipses ``(a + s, b + s)`` around it, so every pixel gets a
cross-section offset ``s`` in px (``−h`` on the inner edge, ``+h`` on the outer, with
``h`` half the cross-section) and a parametric angle ``phi``. Edge coverage comes
from the signed distance ``(h − |s|) / |∇s|``, which puts the true edge at sub-pixel
accuracy before the optical blur.

All work is in linear light, float32, BGR, then the camera applies exposure,
blur, noise, a tone curve and quantisation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
import numpy.typing as npt

from inspector.synth import visibility
from inspector.synth.scene import Scene, outer_semi_axes
from inspector.synth.truth import (
    Background,
    DefectTruth,
    ImageTruth,
    Lighting,
    Material,
    RingTruth,
    ellipse_perimeter,
)

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
#: A rendered image: (H, W) or (H, W, 3) uint8 or uint16.
Image = npt.NDArray[np.uint8] | npt.NDArray[np.uint16]

# Independent random streams per purpose, so one change does not shift the others.
STREAM_TEXTURE = 1
STREAM_CLUTTER = 2
STREAM_NOISE = 3
STREAM_MATERIAL = 4


def stream(seed: int, purpose: int) -> np.random.Generator:
    """Return the generator for one purpose of one image."""
    return np.random.default_rng([int(seed), purpose])


@dataclass(frozen=True)
class RingGeometry:
    """The ring's ellipses in px: centre ``(cx, cy)`` = (x, y), centreline semi-axes, half CS."""

    cx: float
    cy: float
    a: float
    b: float
    h: float
    rotation: float  # rad, from +x towards +y

    def point(self, phi: F64 | float, s: F64 | float) -> tuple[F64, F64]:
        """Image (x, y) of parametric angle ``phi`` on the ellipse ``(a + s, b + s)``."""
        lx = (self.a + s) * np.cos(phi)
        ly = (self.b + s) * np.sin(phi)
        c, si = math.cos(self.rotation), math.sin(self.rotation)
        return (
            np.asarray(self.cx + lx * c - ly * si, dtype=np.float64),
            np.asarray(self.cy + lx * si + ly * c, dtype=np.float64),
        )

    def speed(self, phi: float) -> float:
        """Arc length in px per radian of ``phi`` along the centreline."""
        return math.hypot(self.a * math.sin(phi), self.b * math.cos(phi))

    def offsets(self, x: F64 | F32, y: F64 | F32) -> tuple[F32, F32, F32, F32, F32]:
        """Solve each point's family offset ``s`` (px) and its parametric angle.

        Returns ``s, phi, g, rx, ry``: ``g = |∇s|`` (≈ 1), and ``(rx, ry)`` the unit
        outward direction in image axes.
        """
        c, si = math.cos(self.rotation), math.sin(self.rotation)
        dx = x - self.cx
        dy = y - self.cy
        lx = (dx * c + dy * si).astype(np.float32)
        ly = (-dx * si + dy * c).astype(np.float32)
        r = np.hypot(lx, ly)
        psi_c = lx / np.maximum(r, 1e-6)
        psi_s = ly / np.maximum(r, 1e-6)
        radius = self.a * self.b / np.sqrt((self.b * psi_c) ** 2 + (self.a * psi_s) ** 2)
        s = r - radius
        floor = -0.95 * min(self.a, self.b)
        lx2, ly2 = lx * lx, ly * ly
        for _ in range(3):  # Newton on x²/(a+s)² + y²/(b+s)² = 1; starts within a px or so
            s = np.maximum(s, floor)
            big_a = self.a + s
            big_b = self.b + s
            f = lx2 / big_a**2 + ly2 / big_b**2 - 1.0
            df = -2.0 * lx2 / big_a**3 - 2.0 * ly2 / big_b**3
            s = s - f / np.minimum(df, -1e-12)
        s = np.maximum(s, floor)
        big_a = self.a + s
        big_b = self.b + s
        gx = lx / big_a**2
        gy = ly / big_b**2
        gs = lx2 / big_a**3 + ly2 / big_b**3
        norm = np.maximum(np.hypot(gx, gy), 1e-12)
        g = norm / np.maximum(gs, 1e-12)
        ux, uy = gx / norm, gy / norm
        rx = ux * c - uy * si
        ry = ux * si + uy * c
        phi = np.arctan2(ly / big_b, lx / big_a)
        return (
            s.astype(np.float32),
            phi.astype(np.float32),
            g.astype(np.float32),
            rx.astype(np.float32),
            ry.astype(np.float32),
        )


def ring_geometry(scene: Scene) -> RingGeometry:
    """The ring's geometry in px from the scene's dimensions, scale and placement."""
    od_px = (scene.id_mm + 2.0 * scene.cs_mm) * scene.px_per_mm
    h = scene.cs_mm * scene.px_per_mm / 2.0
    big_a, big_b = outer_semi_axes(od_px, scene.ovality_pct)
    return RingGeometry(
        cx=scene.center_px[0],
        cy=scene.center_px[1],
        a=big_a - h,
        b=big_b - h,
        h=h,
        rotation=math.radians(scene.rotation_deg),
    )


@dataclass(frozen=True)
class MaterialLook:
    """Optical constants of the rubber, BGR linear."""

    albedo: F32
    absorption_per_mm: F32  # Beer-Lambert μ; inf-like for opaque black
    specular: float
    shininess: float


def material_look(scene: Scene, rng: np.random.Generator) -> MaterialLook:
    """Draw the compound's colour and optics."""
    if scene.material is Material.BLACK:
        grey = rng.uniform(0.035, 0.07)
        albedo = np.array([grey * rng.uniform(0.95, 1.1), grey, grey * rng.uniform(0.95, 1.05)])
        mu = np.full(3, 60.0)
    elif scene.material is Material.WHITE:
        grey = rng.uniform(0.68, 0.85)
        albedo = np.array([grey * rng.uniform(0.9, 0.98), grey * rng.uniform(0.97, 1.0), grey])
        mu = np.full(3, rng.uniform(1.8, 3.5))
    else:
        level = rng.uniform(0.8, 1.2)
        albedo = np.array(
            [rng.uniform(0.02, 0.05), rng.uniform(0.12, 0.22), rng.uniform(0.38, 0.55)]
        )
        albedo = albedo * level
        mu = np.array([rng.uniform(1.4, 2.4), rng.uniform(0.55, 1.0), rng.uniform(0.12, 0.3)])
    return MaterialLook(
        albedo=albedo.astype(np.float32),
        absorption_per_mm=mu.astype(np.float32),
        specular=scene.look.specular,
        shininess=scene.look.shininess,
    )


def light_vector(azimuth_deg: float, elevation_deg: float) -> tuple[float, float, float]:
    """Unit vector towards the light in image axes (x right, y down, z to the camera)."""
    az, el = math.radians(azimuth_deg), math.radians(elevation_deg)
    return (math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el))


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], *, scale_px: float) -> F32:
    """Zero-mean, unit-std smooth random field of ``shape`` (rows, cols), features ~scale_px."""
    step = max(scale_px / 2.0, 1.0)
    small_h = max(int(shape[0] / step) + 2, 2)
    small_w = max(int(shape[1] / step) + 2, 2)
    small = rng.standard_normal((small_h, small_w), dtype=np.float32)
    small = np.asarray(cv2.GaussianBlur(small, (0, 0), 1.0), dtype=np.float32)
    # cv2.resize takes dsize as (width, height) = (cols, rows)
    big = cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    big = big - float(big.mean())
    std = float(big.std())
    return np.asarray(big / std if std > 0 else big, dtype=np.float32)


@dataclass
class Canvas:
    """The layers a render builds, and what painters need to change them.

    Arrays are (H, W) or (H, W, 3) float32 in image rows and columns. ``s``, ``phi``,
    ``g``, ``rx``, ``ry`` cover the window ``win`` = (y0, y1, x0, x1) around the ring.
    """

    scene: Scene
    geom: RingGeometry
    look: MaterialLook
    light: tuple[float, float, float]
    win: tuple[int, int, int, int]
    s: F32
    phi: F32
    g: F32
    rx: F32
    ry: F32
    alpha: F32
    ring: F32
    flash_alpha: F32
    flash_color: F32
    background_level: F32
    extra_rings: list[tuple[float, float]] = field(default_factory=list)

    @property
    def px_per_mm(self) -> float:
        """The scene's scale."""
        return self.scene.px_per_mm

    def patch(self, cx: float, cy: float, radius: float) -> tuple[int, int, int, int]:
        """Rows and columns (y0, y1, x0, x1) of a square of ``radius`` px around (cx, cy),
        clipped to the field window."""
        wy0, wy1, wx0, wx1 = self.win
        y0 = max(math.floor(cy - radius), wy0)
        y1 = min(math.ceil(cy + radius) + 1, wy1)
        x0 = max(math.floor(cx - radius), wx0)
        x1 = min(math.ceil(cx + radius) + 1, wx1)
        return y0, max(y1, y0), x0, max(x1, x0)

    def fields(self, box: tuple[int, int, int, int]) -> tuple[F32, F32, F32, F32, F32]:
        """``s, phi, g, rx, ry`` over an image box (y0, y1, x0, x1) inside the window."""
        y0, y1, x0, x1 = box
        wy0, _, wx0, _ = self.win
        sl = (slice(y0 - wy0, y1 - wy0), slice(x0 - wx0, x1 - wx0))
        return self.s[sl], self.phi[sl], self.g[sl], self.rx[sl], self.ry[sl]


def coverage(distance_px: F32 | F64) -> F32:
    """Pixel coverage of a half-plane at a signed distance (positive inside), box filter."""
    return np.asarray(np.clip(distance_px + 0.5, 0.0, 1.0), dtype=np.float32)


def _ring_fields(
    geom: RingGeometry, win: tuple[int, int, int, int], displacements: list[Callable[[F32], F32]]
) -> tuple[F32, F32, F32, F32, F32]:
    y0, y1, x0, x1 = win
    # numpy rows are y and columns x: build (x, y) pixel-centre grids for the window
    ys = np.arange(y0, y1, dtype=np.float32)[:, None]
    xs = np.arange(x0, x1, dtype=np.float32)[None, :]
    xg, yg = np.broadcast_arrays(xs, ys)
    s, phi, g, rx, ry = geom.offsets(xg, yg)
    for shift in displacements:
        s = s - shift(phi)
    return s, phi, g, rx, ry


def shade_ring(canvas: Canvas, rng: np.random.Generator) -> None:
    """Fill ``canvas.ring`` (inside the window) with the lit rubber, linear BGR."""
    scene, look = canvas.scene, canvas.look
    y0, y1, x0, x1 = canvas.win
    s, phi, g, rx, ry = canvas.s, canvas.phi, canvas.g, canvas.rx, canvas.ry
    u = np.clip(s / canvas.geom.h, -1.0, 1.0)
    nz = np.sqrt(np.maximum(1.0 - u * u, 0.0))
    nx, ny = u * rx, u * ry
    lx, ly, lz = canvas.light
    elev = math.radians(scene.look.light_elevation_deg)
    front = scene.lighting is Lighting.FRONT
    strength = 1.0 if front else scene.look.fill_light
    if scene.look.ring_light and front:
        lambert = nz * math.sin(elev) + 0.35 * np.abs(u) * math.cos(elev)
        band = math.sin((math.pi / 2 - elev) / 2.0)
        width = 0.9 / math.sqrt(look.shininess)
        spec = np.exp(-(((np.abs(u) - band) / width) ** 2))
        spec = spec * (1.0 + 0.35 * np.cos(phi - math.radians(scene.look.light_azimuth_deg)))
    else:
        lambert = np.maximum(nx * lx + ny * ly + nz * lz, 0.0)
        hx, hy, hz = lx, ly, lz + 1.0
        hn = math.sqrt(hx * hx + hy * hy + hz * hz)
        ndoth = np.maximum((nx * hx + ny * hy + nz * hz) / hn, 0.0)
        spec = ndoth**look.shininess
    ambient = 0.2
    diffuse = (ambient + (1.0 - ambient) * lambert) * strength
    texture = 1.0 + 0.04 * smooth_noise(rng, s.shape, scale_px=rng.uniform(2.0, 6.0))
    texture = texture * (1.0 + 0.015 * rng.standard_normal(s.shape, dtype=np.float32))
    rgb = diffuse[..., None] * look.albedo[None, None, :] * texture[..., None]
    rgb = rgb + (look.specular * strength * spec * (0.8 + 0.2 * texture))[..., None]
    if scene.material is not Material.BLACK:
        # light scattered inside the compound softens the shading a little
        rgb = rgb + 0.08 * strength * look.albedo[None, None, :] * nz[..., None]
    if not front or scene.material is Material.AMBER:
        thickness_mm = scene.cs_mm * nz
        transmit = np.exp(-thickness_mm[..., None] * look.absorption_per_mm[None, None, :])
        rim = 1.0 - 0.65 * np.clip((np.abs(u) - 0.9) / 0.1, 0.0, 1.0) ** 2
        through = canvas.background_level[None, None, :] * transmit * rim[..., None]
        if front:  # light reaching the ring from behind, via a light background
            through = through * (0.35 if scene.background is Background.LIGHT else 0.05)
        rgb = rgb + through
    del g
    canvas.ring[y0:y1, x0:x1] = rgb.astype(np.float32)


def _background(scene: Scene, level: F32, rng: np.random.Generator) -> F32:
    shape = (scene.height, scene.width)
    field_ = 1.0 + 0.01 * smooth_noise(rng, shape, scale_px=rng.uniform(3.0, 12.0))
    img = np.empty((*shape, 3), dtype=np.float32)
    img[:] = level[None, None, :]
    return np.asarray(img * field_[..., None], dtype=np.float32)


def _clutter(canvas: Canvas, bg: F32, rng: np.random.Generator) -> None:
    """Dust specks and fibres on the background, kept clear of the ring."""
    scene = canvas.scene
    geom = canvas.geom
    keep_out = 6.0 + 0.7 * scene.px_per_mm  # flash may stand 0.6 mm proud of the edge
    mask = np.zeros((scene.height, scene.width), dtype=np.float32)
    scale = 4
    light_bg = scene.background is Background.LIGHT

    def clear(xs: F64, ys: F64) -> bool:
        s, *_ = geom.offsets(xs.astype(np.float32), ys.astype(np.float32))
        inside = np.abs(s) < geom.h + keep_out
        onscreen = (xs > 2) & (xs < scene.width - 3) & (ys > 2) & (ys < scene.height - 3)
        return bool(np.all(onscreen) and not np.any(inside))

    items: list[tuple[F64, F64, float]] = []
    for _ in range(scene.look.dust):
        x = rng.uniform(0, scene.width, 1)
        y = rng.uniform(0, scene.height, 1)
        if clear(x, y):
            items.append((x, y, float(rng.lognormal(0.0, 0.6))))
    for _ in range(scene.look.fibres):
        n = int(rng.integers(20, 80))
        step = rng.uniform(2.0, 5.0)
        heading = rng.uniform(0, 2 * math.pi) + np.cumsum(rng.normal(0.0, 0.08, n))
        x = rng.uniform(0, scene.width) + np.cumsum(step * np.cos(heading))
        y = rng.uniform(0, scene.height) + np.cumsum(step * np.sin(heading))
        if clear(x, y):
            items.append((x, y, float(rng.uniform(0.6, 1.6))))
    for x, y, size in items:
        if x.size == 1:
            # OpenCV points are (x, y) = (col, row); shift=2 gives quarter-px positions
            centre = (round(x[0] * scale), round(y[0] * scale))
            radius = max(round(size * scale), 1)
            cv2.circle(mask, centre, radius, 1.0, -1, cv2.LINE_AA, 2)
        else:
            pts = np.stack([x * scale, y * scale], axis=1).round().astype(np.int32)
            thick = max(round(size * scale), 1)
            cv2.polylines(mask, [pts], False, 1.0, 1, cv2.LINE_AA, 2)
            if thick > 1:
                cv2.polylines(mask, [pts], False, 1.0, thick // 2 + 1, cv2.LINE_AA, 2)
    if not items:
        return
    mask = np.clip(mask, 0.0, 1.0)
    if light_bg:
        darkness = rng.uniform(0.35, 0.8)
        bg *= (1.0 - darkness * mask)[..., None]
    else:
        lint = np.array([0.35, 0.36, 0.38], dtype=np.float32) * rng.uniform(0.4, 1.0)
        bg += (mask[..., None] * lint[None, None, :]).astype(np.float32)


def _illumination(scene: Scene, rng: np.random.Generator) -> F32:
    h, w = scene.height, scene.width
    ys = np.linspace(-1.0, 1.0, h, dtype=np.float32)[:, None] * (h / max(h, w))
    xs = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None, :] * (w / max(h, w))
    t = math.radians(scene.look.gradient_deg)
    grad = 1.0 + scene.look.gradient * (xs * math.cos(t) + ys * math.sin(t))
    vx, vy = rng.normal(0.0, 0.15, 2)
    r2 = (xs - vx) ** 2 + (ys - vy) ** 2
    vignette = 1.0 - scene.look.vignetting * r2 / 2.0
    uneven = 1.0 + scene.look.unevenness * smooth_noise(rng, (h, w), scale_px=max(h, w) / 3.0)
    return np.asarray(scene.look.exposure * grad * vignette * uneven, dtype=np.float32)


def _camera(scene: Scene, img: F32, rng: np.random.Generator) -> Image:
    """Blur, noise, tone curve and quantisation; returns uint8 or uint16, BGR or grey."""
    img = np.asarray(cv2.GaussianBlur(img, (0, 0), scene.look.blur_sigma_px), dtype=np.float32)
    if scene.channels == 1:
        img = np.asarray(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), dtype=np.float32)
    else:
        img = img * rng.uniform(0.96, 1.04, 3).astype(np.float32)[None, None, :]
    img = np.maximum(img, 0.0)
    sigma = np.sqrt(scene.look.read_noise**2 + scene.look.shot_noise * img)
    img = img + sigma * rng.standard_normal(img.shape, dtype=np.float32)
    img = np.clip(img, 0.0, 1.0)
    gamma = _camera_gamma(scene)
    img = np.power(img, np.float32(1.0 / gamma))
    if scene.bit_depth == 16:
        out: Image = np.round(img * 65535.0).astype(np.uint16)
    else:
        out = np.round(img * 255.0).astype(np.uint8)
    return out


def render_raw(scene: Scene) -> tuple[Image, ImageTruth]:
    """Render a scene before any file codec; see :func:`render_ring`."""
    from inspector.synth.defects import displacement_for, paint_defect

    geom = ring_geometry(scene)
    mat_rng = stream(scene.seed, STREAM_MATERIAL)
    look = material_look(scene, mat_rng)
    bg_level = _background_level(scene, mat_rng)
    light = light_vector(scene.look.light_azimuth_deg, scene.look.light_elevation_deg)

    reach = max(geom.a, geom.b) + geom.h + 0.8 * scene.px_per_mm + 6.0
    win = (
        max(int(geom.cy - reach), 0),
        min(int(geom.cy + reach) + 2, scene.height),
        max(int(geom.cx - reach), 0),
        min(int(geom.cx + reach) + 2, scene.width),
    )
    displacements = [
        shift
        for spec in scene.defects
        if (shift := displacement_for(spec, geom, scene.px_per_mm)) is not None
    ]
    s, phi, g, rx, ry = _ring_fields(geom, win, displacements)
    shape = (scene.height, scene.width)
    alpha = np.zeros(shape, dtype=np.float32)
    y0, y1, x0, x1 = win
    alpha[y0:y1, x0:x1] = coverage((geom.h - s) / g) * coverage((geom.h + s) / g)
    canvas = Canvas(
        scene=scene,
        geom=geom,
        look=look,
        light=light,
        win=win,
        s=s,
        phi=phi,
        g=g,
        rx=rx,
        ry=ry,
        alpha=alpha,
        ring=np.zeros((*shape, 3), dtype=np.float32),
        flash_alpha=np.zeros(shape, dtype=np.float32),
        flash_color=np.zeros((*shape, 3), dtype=np.float32),
        background_level=bg_level,
    )
    shade_ring(canvas, stream(scene.seed, STREAM_TEXTURE))
    # The ring before any defect, to tell afterwards how visible each one came out.
    plain = (canvas.ring.copy(), canvas.alpha.copy(), canvas.flash_alpha.copy())
    truths: list[DefectTruth] = [paint_defect(canvas, spec) for spec in scene.defects]

    clutter_rng = stream(scene.seed, STREAM_CLUTTER)
    bg = _background(scene, bg_level, clutter_rng)
    if scene.lighting is Lighting.FRONT and scene.background is Background.LIGHT:
        _cast_shadow(canvas, bg, clutter_rng)
    _clutter(canvas, bg, clutter_rng)
    noise_rng = stream(scene.seed, STREAM_NOISE)
    light_field = _illumination(scene, noise_rng)[..., None]
    img = _compose(bg, canvas.ring, canvas.alpha, canvas.flash_alpha, canvas.flash_color)
    img = img * light_field
    if truths:
        without = _compose(bg, *plain, canvas.flash_color) * light_field
        truths = _with_visibility(scene, win, img, without, plain[1], truths)
    image = _camera(scene, np.asarray(img, dtype=np.float32), noise_rng)
    return image, _truth(scene, geom, tuple(truths))


def _compose(bg: F32, ring: F32, alpha: F32, flash_alpha: F32, flash_color: F32) -> F32:
    """Background, then flash film, then the ring over both (linear light)."""
    fa = flash_alpha[..., None]
    img = bg * (1.0 - fa) + flash_color * fa
    a3 = alpha[..., None]
    return np.asarray(img * (1.0 - a3) + ring * a3, dtype=np.float32)


def _camera_gamma(scene: Scene) -> float:
    return scene.look.gamma if scene.bit_depth == 8 else 1.0 + (scene.look.gamma - 1.8) * 0.7


def _with_visibility(
    scene: Scene,
    win: tuple[int, int, int, int],
    with_defects: F32,
    without_defects: F32,
    plain_alpha: F32,
    truths: list[DefectTruth],
) -> list[DefectTruth]:
    """Each truth with its visibility in the noise-free camera image (see visibility)."""
    y0, y1, x0, x1 = win
    look, gamma, grey = scene.look, _camera_gamma(scene), scene.channels == 1
    enc_with, _ = visibility.encode(
        with_defects[y0:y1, x0:x1], blur_sigma_px=look.blur_sigma_px, gamma=gamma, grey=grey
    )
    enc_without, blurred = visibility.encode(
        without_defects[y0:y1, x0:x1], blur_sigma_px=look.blur_sigma_px, gamma=gamma, grey=grey
    )
    noise = visibility.encoded_noise(
        blurred, read_noise=look.read_noise, shot_noise=look.shot_noise, gamma=gamma
    )
    margin = math.ceil(3.0 * look.blur_sigma_px) + 2
    inside = cv2.erode(
        (plain_alpha[y0:y1, x0:x1] > 0.999).astype(np.uint8),
        np.ones((3, 3), np.uint8),
        iterations=margin,
    ).astype(bool)
    texture = visibility.texture_sigma(enc_without, inside, blur_sigma_px=look.blur_sigma_px)
    # boxes move into the window's frame: x by its first column, y by its first row
    boxes = [(t.bbox_px[0] - x0, t.bbox_px[1] - y0, t.bbox_px[2], t.bbox_px[3]) for t in truths]
    seen = visibility.defect_visibility(
        enc_with, enc_without, noise, boxes, texture=texture, blur_sigma_px=look.blur_sigma_px
    )
    return [
        replace(t, visible=visible, snr=snr, peak_delta=peak)
        for t, (visible, snr, peak) in zip(truths, seen, strict=True)
    ]


def render_ring(scene: Scene) -> tuple[Image, ImageTruth]:
    """Render a scene; return the image and its truth.

    Returns
    -------
    image : (H, W) or (H, W, 3) ndarray of uint8 or uint16
        BGR when colour. For JPEG scenes the pixels have been through the JPEG
        codec at the scene's quality, so they equal what a written file decodes to.
    truth : ImageTruth
    """
    image, truth = render_raw(scene)
    if scene.format == "jpeg":
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality(scene)])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        image = np.asarray(cv2.imdecode(buf, cv2.IMREAD_UNCHANGED))
    return image, truth


def jpeg_quality(scene: Scene) -> int:
    """The JPEG quality a scene is written at."""
    return scene.jpeg_quality if scene.jpeg_quality is not None else 90


def render_without_defects(scene: Scene) -> Image:
    """Render the same scene with no defect painted (for comparisons in tests)."""
    return render_ring(replace(scene, defects=()))[0]


def _background_level(scene: Scene, rng: np.random.Generator) -> F32:
    tint = rng.normal(1.0, 0.025, 3)
    if scene.lighting is Lighting.BACK:
        level = rng.uniform(0.82, 1.0)
    elif scene.background is Background.LIGHT:
        level = rng.uniform(0.45, 0.85)
    else:
        level = rng.uniform(0.012, 0.05)
    return np.asarray(level * tint, dtype=np.float32)


def _cast_shadow(canvas: Canvas, bg: F32, rng: np.random.Generator) -> None:
    """A soft shadow of the ring on a light background, away from a spot light."""
    scene = canvas.scene
    if scene.look.ring_light:
        return
    lx, ly, lz = canvas.light
    length = canvas.geom.h * 0.6 * math.hypot(lx, ly) / max(lz, 0.2)
    # warpAffine's matrix maps (x, y) = (col, row)
    shift = np.array([[1.0, 0.0, -lx * length], [0.0, 1.0, -ly * length]], dtype=np.float32)
    moved = cv2.warpAffine(canvas.alpha, shift, (scene.width, scene.height))
    soft = cv2.GaussianBlur(moved, (0, 0), max(canvas.geom.h * 0.25, 1.0))
    depth = rng.uniform(0.15, 0.4)
    bg *= (1.0 - depth * soft)[..., None]


def _truth(scene: Scene, geom: RingGeometry, defects: tuple[DefectTruth, ...]) -> ImageTruth:
    big_a, big_b = geom.a + geom.h, geom.b + geom.h
    outer = ellipse_perimeter(big_a, big_b) / math.pi
    inner = ellipse_perimeter(geom.a - geom.h, geom.b - geom.h) / math.pi
    part = scene.part
    return ImageTruth(
        file=scene.file,
        seed=scene.seed,
        width=scene.width,
        height=scene.height,
        format=scene.format,
        bit_depth=scene.bit_depth,
        channels=scene.channels,
        material=scene.material,
        background=scene.background,
        lighting=scene.lighting,
        part=part.name,
        px_per_mm=round(scene.px_per_mm, 6),
        nominal_id_mm=part.id_mm,
        nominal_cs_mm=part.cs_mm,
        id_tol_mm=part.id_tol_mm,
        cs_tol_mm=part.cs_tol_mm,
        id_mm=scene.id_mm,
        cs_mm=scene.cs_mm,
        dims_in_tolerance=scene.dims_in_tolerance,
        ring=RingTruth(
            center_px=(round(geom.cx, 4), round(geom.cy, 4)),
            outer_diameter_px=round(outer, 4),
            inner_diameter_px=round(inner, 4),
            cross_section_px=round(2.0 * geom.h, 4),
            ovality_pct=round(100.0 * (big_a - big_b) / ((big_a + big_b) / 2.0), 4),
            rotation_deg=round(scene.rotation_deg, 4),
            semi_axes_px=(round(geom.a, 4), round(geom.b, 4)),
        ),
        defects=defects,
        blur_sigma_px=round(scene.look.blur_sigma_px, 4),
        jpeg_quality=scene.jpeg_quality,
    )
