"""Counter terminal screens (mode ``counter``): staff login, the counter home
menu, finding and registering residents, accepting and advancing
applications, payments and reprints. The queue console lives beside them in
:mod:`screens.counter.queue_console`."""
