// phone-emulator: placeholder until the emulator lands.
int main() { return 0; }
