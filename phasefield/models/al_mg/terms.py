"""The pointwise expressions of the Al–Mg model (:mod:`phasefield.models.al_mg`), as text checked
once by :mod:`phasefield.expression` and compiled into fused loops (CPU) or evaluated with array
operations (GPU). Names: ``S``/``Q`` the sums of squares and fourth powers of the grain order
parameters, ``f`` the β phase field, ``h`` its fraction, ``x``/``xb`` the α/β compositions,
``w`` the Schwarz fraction; the rest are scalars of the step."""

from __future__ import annotations

import re

from ...expression import Expression, parse_expression

__all__ = ["alpha_expressions", "build_expressions"]


def alpha_expressions(terms: int) -> tuple[str, str, str]:
    """``G_α``, ``G'_α`` and ``G''_α`` of the Redlich–Kister α as expression text in ``x``,
    with scalars ``ga, gm, rt, l0, l1, ...``."""
    y = "(1 - 2*x)"

    def horner(coefficients: list[str]) -> str:
        text = coefficients[-1]
        for coefficient in reversed(coefficients[:-1]):
            text = f"({coefficient} + {y}*{text})"
        return text

    names = [f"l{k}" for k in range(terms)]
    value = horner(names)
    first = horner([f"{k + 1}*l{k + 1}" for k in range(terms - 1)]) if terms > 1 else "0"
    second = (
        horner([f"{(k + 1) * (k + 2)}*l{k + 2}" for k in range(terms - 2)]) if terms > 2 else "0"
    )
    # dP/dx = -2 P'(y), d²P/dx² = 4 P''(y), with g = x(1-x)
    energy = f"(1 - x)*ga + x*gm + rt*(x*log(x) + (1 - x)*log(1 - x)) + x*(1 - x)*{value}"
    potential = f"gm - ga + rt*log(x/(1 - x)) + {y}*{value} - 2*x*(1 - x)*{first}"
    curvature = f"rt/(x*(1 - x)) - 2*{value} - 4*{y}*{first} + 4*x*(1 - x)*{second}"
    return energy, potential, curvature


def build_expressions(
    energy: str, potential: str, curvature: str, scalars: list[str]
) -> dict[str, Expression]:
    """The pointwise expressions of the model, parsed and checked once."""
    chem = [*scalars, "x"]
    line_energy = "(g0 + (xb - x0)*(sl + 0.5*kb*(xb - x0)))"
    fa = f"({energy})"
    mu = f"({potential})"
    # Δ/V_m with Δ = Gβ(cβ) − Gα(cα) − μ (cβ − cα), the grand-potential difference of β and
    # α at the local diffusion potential (J/m³); the chemical terms carry the weight
    # g'(u) Δ/V_m / (φ² + S)², with u = φ²/(φ² + S) and g'(u) = 30 u²(1 − u)²
    u = "(f*f / (f*f + S + 1e-30))"
    driving = f"({line_energy} - {fa} - {mu}*(xb - x)) / vm"
    weight = f"30*{u}*{u}*(1 - {u})*(1 - {u}) * dv / ((f*f + S)*(f*f + S) + 1e-30)"
    sources = {
        "square": ("u*u", ["u"]),
        "h": (f"{u}*{u}*{u}*(6*{u}*{u} - 15*{u} + 10)", ["f", "S"]),
        "driving": (driving, [*chem, "xb", "vm", "g0", "x0", "kb", "sl"]),
        "weight": (weight, ["dv", "f", "S"]),
        "potential": (f"{mu} / vm", [*chem, "vm"]),
        # L = s (L_gb B + L_p P + min(L_gb, L_p) ε) / (B + P + ε), B = (S² − Q)/2, P = φ² S:
        # bulk regions take the slower of the two (no interface moves there, and the faster
        # would only stiffen the step)
        "mobility": (
            "exp(-w*q) * (lg*0.5*(S*S - Q) + lp*f*f*S + minimum(lg, lp)*eps)"
            " / (0.5*(S*S - Q) + f*f*S + eps)",
            ["S", "Q", "f", "w", "q", "lg", "lp", "eps"],
        ),
        # D = s (1 − h)[(1 − b) D_L + b D_b] + h D_β, b = min(1, 8 (S² − Q))²
        "diffusivity": (
            "exp(-w*q)*(1 - h)*((1 - minimum(1, 8*(S*S - Q))**2)*dl"
            " + minimum(1, 8*(S*S - Q))**2*db) + h*dp",
            ["S", "Q", "h", "w", "q", "dl", "db", "dp"],
        ),
        # M = V_m D ((1 − h)/G''α + h/G''β) and χ = ∂c/∂μ = V_m ((1 − h)/G''α + h/G''β)
        "transport": (
            f"vm * d * ((1 - h) / ({curvature}) + h / kb)",
            [*chem, "h", "d", "vm", "kb"],
        ),
        "capacity": (f"vm * ((1 - h) / ({curvature}) + h / kb)", [*chem, "h", "vm", "kb"]),
        "drive_eta": (
            "-mobility*(m*(u*u*u - u + 2*u*(g*(S - u*u) + p*phi*phi)) - k*lap"
            " - 2*u*phi*phi*weight)",
            ["u", "lap", "S", "mobility", "phi", "weight", "m", "g", "p", "k"],
        ),
        "drive_phi": (
            "-mobility*(m*(phi*phi*phi - phi + 2*p*phi*S) - k*lap + 2*phi*S*weight)",
            ["lap", "S", "mobility", "phi", "weight", "m", "g", "p", "k"],
        ),
        # bulk free-energy density, J/m³
        "energy": (
            "m*(0.25*Q - 0.5*S + 0.25*f*f*f*f - 0.5*f*f + 0.5*g*(S*S - Q) + p*f*f*S + 0.25)"
            f" + ((1 - h)*{fa} + h*{line_energy}) / vm",
            [*chem, "S", "Q", "f", "h", "xb", "m", "g", "p", "vm", "g0", "x0", "kb", "sl"],
        ),
        "one_minus": ("1 - h", ["h"]),
        # L (m + (|h_φφ| + |h_ηη|) |Δ|/V_m): the fastest relaxation rate of the phase fields,
        # with the curvatures of h = g(u) in φ and in a grain order parameter (η² ≤ S)
        "relaxation": (
            "L*(m + (abs(gpp*up*up + gp*upp) + abs(gpp*ue*ue + gp*uee))*abs(dv))",
            ["L", "m", "dv", "gp", "gpp", "up", "upp", "ue", "uee"],
        ),
        # the Mg a change of h needs at fixed diffusion potential
        "exchange": (
            f"({u}*{u}*{u}*(6*{u}*{u} - 15*{u} + 10) - h)*(xb - x)",
            ["f", "S", "h", "x", "xb"],
        ),
        "boundary": ("minimum(1, 8*(S*S - Q))**2", ["S", "Q"]),
        "alpha_mg": ("(1 - h)*x", ["h", "x"]),
    }
    # the relaxation rate's curvatures of h = g(u): g' = 30u²(1−u)², g'' = 60u(1−u)(1−2u);
    # u_φ = 2φS/D², u_φφ = 2S(S − 3φ²)/D³, u_η = −2ηφ²/D², u_ηη = 2φ²(3η² − φ² − S)/D³ with
    # D = φ² + S and η² = S, the largest a single grain order parameter can be
    d = "(f*f + S + 1e-30)"
    curvatures = {
        "gp": f"30*{u}*{u}*(1 - {u})*(1 - {u})",
        "gpp": f"60*{u}*(1 - {u})*(1 - 2*{u})",
        "up": f"2*f*S/({d}*{d})",
        "upp": f"2*S*(S - 3*f*f)/({d}*{d}*{d})",
        "ue": f"2*sqrt(S)*f*f/({d}*{d})",
        "uee": f"2*f*f*(2*S - f*f)/({d}*{d}*{d})",
    }
    relaxation = sources["relaxation"][0]
    for name, text in curvatures.items():
        relaxation = re.sub(r"\b" + name + r"\b", f"({text})", relaxation)
    sources["relaxation"] = (relaxation, ["L", "m", "dv", "f", "S"])
    return {name: parse_expression(text, names) for name, (text, names) in sources.items()}
