"""Synthetic long-axis SSFP cine phantoms with exactly known landmarks and SI.

`generate_frame(seed)` gives one end-diastolic frame, `generate_cine(seed)` one cardiac cycle;
both are deterministic for a seed (numpy Generator). Each series draws a heart (heart.py,
chambers.py), a chest around it (body.py), a scanner (acquisition.py) and tissue appearance
(labels.py, render.py); a frame poses the heart at one contraction, paints a label map, turns it
into intensities and images it. The truth (truth.py) is measured on the very cavity polygon whose
pixels form the "lv" mask, with core.geometry's functions.

Truth, as DESIGN.md defines it: hinge A and B are the two ends of the mitral annulus (the cavity
polygon runs A -> apex -> B and its closing edge is the annulus, shared exactly with the LA
polygon); the apex is the cavity point farthest in mm from their midpoint; W1-W2 is the longest
chord inside the cavity perpendicular in mm to the long axis (contour_measure). The cavity is
the endocardial contour, papillary muscles and trabeculae inside it, as in clinical contours and
public label maps. The tip of the cavity narrows (profile exponent 0.55-0.75 rather than an
ellipse's 0.5): on a flat tip the farthest point wanders with every pixel and drags the axis.

Choices and where they come from:
- Geometry (DESIGN.md "What real long-axis cine MRI looks like"): field of view 280-440 mm sized
  to the chest (80-115 % of its width, so the body is sometimes cut, sometimes floats in air),
  pixels ~1.3-1.95 mm, matrices 156-256 and often rectangular, 1 in 4 with anisotropic pixels;
  LV length ~87 +- 6 mm at ED (longer when dilated), ED SI drawn from 0.42-0.84; LV cavity
  ~2-3 % of the frame for normal hearts. Pose, as scanner planning and display produce it: the
  heart anywhere near the centre, rotated within +-30 degrees, 1 in 10 turned by a quarter or
  half turn, 3 in 10 flipped left-right, 1 in 10 up-down (the truth moves with every change:
  it is measured on the cavity polygon after the pose).
- Heart shape: bullet-shaped LV with its widest level 20-50 % down from the base, a straighter
  septum than free wall, a slight banana bend, an annulus 55-90 % of the widest width, fine
  trabecular ridges on the border (stronger toward the apex and on the free wall); inside the
  compact cavity, at myocardium intensity, papillary muscles (4CH: on the lateral wall, a second
  nearer the apex in 3 of 5; 2CH: one on each wall, the v > 0 side being the inferior wall),
  trabeculae along the free wall and apex, and in some hearts strands bridging the apex; they
  are painted only onto cavity pixels, so the compact border a reader traces (and the truth)
  never moves; mitral and tricuspid leaflets as thin dark lines that close across the annulus
  at ED and ES and open in diastole; walls 6.5-11 mm with a 3-6 mm apex (thinner when
  dilated) that thicken in systole; a thin RV
  along the septum with a moderator band; round atria off the annuli with an atrial septum;
  pulmonary veins; patchy pericardial fat filling the atrioventricular grooves; coronary
  vessels in the fat; sometimes an aortic root. In a cine the apex stays put and the base
  descends (long axis shortens 8-17 %, width 24-38 %, less when dilated), so ES is smaller and
  less spherical; ED falls on a random frame.
- Clutter: 30-90 small vessels, nodes, septa and gas pockets scattered through the chest, and
  fibrous septa across the subcutaneous fat: no region stays flat (the abdomen file is full of
  such detail at every scale). SSFP's dark "India ink" line where fat meets water-based tissue
  in half the series; a fat plane between the chest-wall muscles in most.
- Chest: a polar body outline (superellipse, lobes, a back flattened by the table, breasts in
  some), subcutaneous fat 4-26 mm of varying thickness, pectoral and paraspinal muscle, ribs cut
  obliquely, lungs with vessels, liver and sometimes stomach (fluid and gas) under a diaphragm,
  vertebra with canal, descending aorta, oesophagus, mediastinal tissue, arms beside the chest
  in 3 in 10. The body outline, fat band, flat back, round bright aorta and textured vertebra
  follow the pydicom-data abdomen MR (MR-SIEMENS-DICOM-WithOverlays.dcm, 1.5 T 3D gradient
  echo) viewed beside these frames; a smooth elliptical body was one of the shortcuts of
  cartoon phantoms.
- Intensities relative to LV blood, each tissue drawn independently per series (domain
  randomisation): atria, RV and aortic blood 0.85-1.25; LV myocardium 0.3-0.4; fat 0.7-1.3;
  muscle 0.22-0.45; liver 0.3-0.6; lung 0.01-0.07; CSF bright; cortical bone dark. Each tissue
  gets its own texture (one of three smooth fields, random amplitude): real tissue is never
  flat (the 64x64 head MR files, MR_small.dcm and emri_small.dcm, show the fine texture). Blood
  carries its own 15-20 % inhomogeneity (flow, coil sensitivity), a smooth inflow jet from the
  mitral annulus toward the apex (8-20 % brighter or darker, strongest in diastole), a darker
  outflow tract in systole, and flow voids.
- Scanner: surface-coil bias field (gentle over the heart, stronger across the chest; in half
  the series a front-to-back shading from the anterior coil), parallel-imaging noise amplified
  mid-frame along the phase-encode direction (g-factor 1.1-1.5, half the series), thick-slice
  partial volume (neighbouring anatomy blurred in, weight 0-0.25), SSFP
  off-resonance dark bands away from the shimmed heart (half the series), motion ghosts of the
  beating heart along the phase-encode direction (the shorter side), k-space truncation with
  fewer phase-encode lines than readout samples (the abdomen file was acquired 256 x 134 and
  shown at 484 x 484) giving ringing and partial volume, sometimes a blur on top; Rician noise (the
  magnitude of complex Gaussian noise: the dark floor in the air of MR2_UNCR.dcm, a shoulder
  spin echo) at 1.2-7 % of blood; without phase oversampling (half the series) the chest
  beyond the phase-encode FOV wraps in from the opposite edge; some scanners zero the
  background; stored as uint16 with blood at 200-3,000 units, as scanners differ.
The numbers above are the "base" family's, the default. `family="shifted"` draws the same hearts
from other ranges: a stand-in for a new scanner (contrast, gamma, noise level and texture,
heavier trabeculation, pose, field of view and matrix, arms, coil shading, resolution); the
table of both is in core.phantom.family.
No real cardiac cine was at hand offline; the cardiac numbers above are DESIGN.md's.
Speed: see tests/benchmarks/bench_phantom.py and the README (phantoms per second, both families).
"""

from core.phantom.family import FAMILIES, FamilyName
from core.phantom.generate import PhantomCine, PhantomFrame, generate_cine, generate_frame

__all__ = [
    "FAMILIES",
    "FamilyName",
    "PhantomCine",
    "PhantomFrame",
    "generate_cine",
    "generate_frame",
]
