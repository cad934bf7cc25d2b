from services.groups.service import DEFINITION
from services.runtime.app import main

main(DEFINITION)
