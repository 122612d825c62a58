"""Import first in a causal-learn peer script: pins the BLAS to one thread (before numpy loads) and,
when momentchi2 (needed only by causal-learn's RCIT, not packaged by Debian) is missing, puts a stub
in its place so that causallearn.utils.cit imports."""
import os
import sys
import types

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

try:
    import momentchi2  # noqa: F401
except ImportError:
    def _missing(*_args, **_kwargs):
        raise NotImplementedError("momentchi2 is not installed (stub from causal_learn_env.py)")
    _stub = types.ModuleType("momentchi2")
    _stub.hbe = _stub.sw = _stub.lpb4 = _missing
    sys.modules["momentchi2"] = _stub
    print("note: momentchi2 missing, stubbed (only causal-learn's RCIT uses it)")
