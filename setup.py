"""Builds the causalattn Python package: its compiled core (python/, a CMake target) and Python files.

    pip install --no-build-isolation .      # offline, from Debian's packages (examples/guides/python.md)

Environment: CAUSALATTN_NATIVE=OFF builds for any x86-64 instead of this machine's widest SIMD;
CAUSALATTN_WERROR=ON treats warnings as errors (CI); CAUSALATTN_CXX_FLAGS_RELEASE replaces the
optimisation flags "-O3 -DNDEBUG" (CI builds at the ci preset's "-O2 -DNDEBUG", so that results equal
its tool's bit for bit); CMAKE_BUILD_PARALLEL_LEVEL sets the compile jobs (default: all cores).
"""

import os
import re
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


def version():
    with open(os.path.join(ROOT, "include", "causalattn", "core", "version.hpp")) as f:
        text = f.read()
    parts = [re.search(rf"#define CAUSALATTN_VERSION_{p} (\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    """Configures the project with only the Python module on, and builds that one target."""

    def build_extension(self, ext):
        output_dir = os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name)))
        build_dir = os.path.abspath(self.build_temp)
        configure = [
            "cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
            f"-DCMAKE_CXX_FLAGS_RELEASE={os.environ.get('CAUSALATTN_CXX_FLAGS_RELEASE', '-O3 -DNDEBUG')}",
            "-DCAUSALATTN_BUILD_PYTHON=ON", "-DCAUSALATTN_BUILD_TESTS=OFF", "-DCAUSALATTN_BUILD_BENCHMARKS=OFF",
            "-DCAUSALATTN_BUILD_EXAMPLES=OFF", "-DCAUSALATTN_INSTALL=OFF", "-DCAUSALATTN_SHARE_INSTANCES=OFF",
            f"-DCAUSALATTN_NATIVE={os.environ.get('CAUSALATTN_NATIVE', 'ON')}",
            f"-DCAUSALATTN_WERROR={os.environ.get('CAUSALATTN_WERROR', 'OFF')}",
            f"-DPython_EXECUTABLE={sys.executable}", f"-DCAUSALATTN_PYTHON_OUTPUT_DIR={output_dir}",
        ]
        subprocess.run(configure, check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.run(["cmake", "--build", build_dir, "--target", "causalattn_python", "--parallel", jobs], check=True)


setup(
    name="causalattn",
    version=version(),
    description="Causal discovery, treatment effects and lagged causal graphs over self-attention (C++ core)",
    license="Apache-2.0",
    packages=["causalattn"],
    package_dir={"causalattn": "python/causalattn"},
    ext_modules=[CMakeExtension("causalattn._causalattn")],
    cmdclass={"build_ext": CMakeBuild},
    install_requires=["numpy"],
    python_requires=">=3.8",
    zip_safe=False,
)
