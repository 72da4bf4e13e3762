"""Start a grandchild that sleeps, write its pid to sleeper.pid, then sleep too."""

import subprocess
import sys
import time
from pathlib import Path

child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
Path("sleeper.pid.tmp").write_text(str(child.pid))
Path("sleeper.pid.tmp").replace("sleeper.pid")  # whole, or not at all
time.sleep(60)
