from services.identity.service import DEFINITION
from services.runtime.app import main

main(DEFINITION)
