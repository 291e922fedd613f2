/*
 * service-win32.c: dbgbridge as a Windows service (doc/design.md "The
 * Windows service"; dbgbridge(8) "WINDOWS SERVICE").  See osdep.h
 * gw_os_service_main and service-win32.h.
 *
 * `dbgbridge service install` makes a service whose command line is this
 * program's full path with "service run --name NAME -f FILE"; the Service
 * Control Manager (SCM) starts that, and run hands the daemon to the
 * service dispatcher (the Win32 docs, "StartServiceCtrlDispatcher",
 * "ServiceMain", "HandlerEx", "SetServiceStatus").  The daemon is the same
 * code as in a console: what the SCM is told comes from the points where
 * systemd is told on Linux (gateway/notify.c through gw_os_notify): READY=1
 * once every route serves is SERVICE_RUNNING, STOPPING=1 is
 * SERVICE_STOP_PENDING.  A STOP or SHUTDOWN control takes the stop path of
 * a console's Ctrl-Break (raise(SIGTERM), osdep-win32.c): sessions drain as
 * on SIGTERM on Linux, while a thread here advances the checkpoint every
 * second so that the SCM sees the stop progress.  A daemon that returns 1
 * (its configuration did not load, or a route, the control pipe or metrics
 * could not start: the log says which) ends SERVICE_STOPPED with
 * ERROR_SERVICE_SPECIFIC_ERROR and that status as the service-specific
 * code.
 *
 * The event source (HKLM\SYSTEM\CurrentControlSet\Services\EventLog\
 * Application\NAME) is registered by install and removed by remove; the
 * program has no message file, so the Event Viewer shows each event's line
 * as its only inserted string (the Win32 docs, "Event Sources").
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <windows.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osdep/compat.h"
#include "osdep/osdep.h"
#include "osdep/service-win32.h"

/* The SCM's limit on a service name is 256 characters (the Win32 docs). */
#define SVC_NAME_MAX		64
#define SVC_DEFAULT		"dbgbridge"
/* START_PENDING: loading the configuration and binding every route. */
#define SVC_START_HINT_MS	30000
/* STOP_PENDING: the checkpoint advances every tick, the hint is 3 ticks. */
#define SVC_TICK_MS		1000
#define SVC_STOP_HINT_MS	3000
#define SVC_EVENTLOG_KEY \
	"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\"

static char			 svc_name[SVC_NAME_MAX + 1] = SVC_DEFAULT;
static bool			 svc_named;	/* --name other than the default */
static volatile LONG		 svc_active;
static SERVICE_STATUS_HANDLE	 svc_handle;
static SERVICE_STATUS		 svc_status;
static CRITICAL_SECTION		 svc_lock;
static HANDLE			 svc_ticker;	/* STOP_PENDING's checkpoints */
static HANDLE			 svc_ticker_end;
static int			(*svc_daemon)(int, char **);
static int			 svc_argc;
static char			*svc_argv[4];
static int			 svc_rc;
static HANDLE			 svc_eventlog;

const char *
gw_win_service_instance(void)
{
	return (svc_named ? svc_name : NULL);
}

bool
gw_win_service_active(void)
{
	return (InterlockedCompareExchange(&svc_active, 0, 0) != 0);
}

/* FormatMessage's text for a Win32 error, without its line end. */
static void
svc_strerror(DWORD err, char *buf, size_t size)
{
	size_t	n;

	if (FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
	    FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err, 0, buf, (DWORD)size,
	    NULL) == 0)
		snprintf(buf, size, "error %lu", (unsigned long)err);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '.'))
		buf[--n] = '\0';
}

static void
svc_fail(const char *what, DWORD err)
{
	char	buf[256];

	svc_strerror(err, buf, sizeof buf);
	fprintf(stderr, "dbgbridge: service: %s: %s (error %lu)\n", what, buf,
	    (unsigned long)err);
}

/*
 * A name the SCM, the registry key of the event source and the control
 * pipe's name all take as it is: 1 to SVC_NAME_MAX letters, digits, '-',
 * '_' and '.'.  Returns 0, or -1 (said on stderr).
 */
static int
svc_set_name(const char *name)
{
	const char	*p;

	if (*name == '\0' || strlen(name) > SVC_NAME_MAX)
		goto bad;
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			goto bad;
	}
	strcpy(svc_name, name);
	svc_named = strcmp(name, SVC_DEFAULT) != 0;
	return (0);
bad:
	fprintf(stderr, "dbgbridge: service: --name '%s': 1 to %d letters, "
	    "digits, '-', '_' or '.'\n", name, SVC_NAME_MAX);
	return (-1);
}

/* ------------------------------------------------------------ status */

/* Tell the SCM svc_status as it is now; with svc_lock held. */
static void
svc_report_locked(void)
{
	if (svc_handle != NULL)
		(void)SetServiceStatus(svc_handle, &svc_status);
}

/*
 * Move to state: the controls a state accepts (STOP and SHUTDOWN only
 * while RUNNING: before, the daemon has no stop path yet; after, it is
 * stopping already), the wait hint and checkpoint of a pending state
 * (the Win32 docs, "SERVICE_STATUS").
 */
static void
svc_report(DWORD state, DWORD exit_code, DWORD specific)
{
	EnterCriticalSection(&svc_lock);
	svc_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
	svc_status.dwCurrentState = state;
	svc_status.dwControlsAccepted = state == SERVICE_RUNNING ?
	    SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
	svc_status.dwWin32ExitCode = exit_code;
	svc_status.dwServiceSpecificExitCode = specific;
	switch (state) {
	case SERVICE_START_PENDING:
		svc_status.dwCheckPoint++;
		svc_status.dwWaitHint = SVC_START_HINT_MS;
		break;
	case SERVICE_STOP_PENDING:
		svc_status.dwCheckPoint++;
		svc_status.dwWaitHint = SVC_STOP_HINT_MS;
		break;
	default:
		svc_status.dwCheckPoint = 0;
		svc_status.dwWaitHint = 0;
		break;
	}
	svc_report_locked();
	LeaveCriticalSection(&svc_lock);
}

/*
 * While STOP_PENDING: sessions drain for up to [gateway] stop_timeout;
 * each second the checkpoint advances, so the SCM (and `sc query`) sees a
 * stop that progresses rather than one that hangs.
 */
static DWORD WINAPI
svc_tick(LPVOID arg)
{
	(void)arg;
	while (WaitForSingleObject(svc_ticker_end, SVC_TICK_MS) ==
	    WAIT_TIMEOUT) {
		EnterCriticalSection(&svc_lock);
		if (svc_status.dwCurrentState == SERVICE_STOP_PENDING) {
			svc_status.dwCheckPoint++;
			svc_report_locked();
		}
		LeaveCriticalSection(&svc_lock);
	}
	return (0);
}

/*
 * STOP_PENDING, once, with the ticker started: the handler (STOP) and the
 * loop (STOPPING=1) may both get here, on their own threads, so the check
 * and the start are one step under svc_lock (a critical section may be
 * entered again by its owner: svc_report takes it too).
 */
static void
svc_stop_pending(void)
{
	EnterCriticalSection(&svc_lock);
	if (svc_status.dwCurrentState != SERVICE_STOP_PENDING &&
	    svc_status.dwCurrentState != SERVICE_STOPPED) {
		svc_report(SERVICE_STOP_PENDING, NO_ERROR, 0);
		if (svc_ticker == NULL && svc_ticker_end != NULL)
			svc_ticker = CreateThread(NULL, 0, svc_tick, NULL, 0,
			    NULL);
	}
	LeaveCriticalSection(&svc_lock);
}

const char *
gw_os_notify_address(void)
{
	return (gw_win_service_active() ? "scm" : NULL);
}

/*
 * The daemon's state, as gateway/notify.c words it for systemd, to the SCM:
 * READY=1 (start done, or a reload done) is RUNNING, unless a stop has
 * begun; STOPPING=1 is STOP_PENDING; the rest (RELOADING=1, STATUS=) has
 * no SCM state and the service stays RUNNING.
 */
int
gw_os_notify(const char *path, const char *state, char **cause)
{
	DWORD	now;

	(void)path;
	*cause = NULL;
	if (!gw_win_service_active())
		return (0);
	if (strstr(state, "STOPPING=1") != NULL) {
		svc_stop_pending();
		return (0);
	}
	if (strstr(state, "READY=1") != NULL) {
		EnterCriticalSection(&svc_lock);
		now = svc_status.dwCurrentState;
		LeaveCriticalSection(&svc_lock);
		if (now == SERVICE_START_PENDING)
			svc_report(SERVICE_RUNNING, NO_ERROR, 0);
	}
	return (0);
}

/*
 * The SCM's controls, on the dispatcher's thread (the Win32 docs,
 * "HandlerEx"): STOP and SHUTDOWN take the stop path of Ctrl-Break and of
 * SIGTERM on Linux (raise(SIGTERM): libevent's handler writes to the loop's
 * socket pair), and STOP_PENDING is reported at once, as the docs ask of a
 * handler; INTERROGATE is answered by the status the SCM holds.
 */
static DWORD WINAPI
svc_handler(DWORD control, DWORD type, LPVOID data, LPVOID ctx)
{
	(void)type;
	(void)data;
	(void)ctx;
	switch (control) {
	case SERVICE_CONTROL_STOP:
	case SERVICE_CONTROL_SHUTDOWN:
		svc_stop_pending();
		raise(SIGTERM);
		return (NO_ERROR);
	case SERVICE_CONTROL_INTERROGATE:
		return (NO_ERROR);
	default:
		return (ERROR_CALL_NOT_IMPLEMENTED);
	}
}

/*
 * ServiceMain, on a thread the dispatcher starts: START_PENDING, then the
 * daemon (which reports RUNNING through gw_os_notify once every route
 * serves), then STOPPED with what it returned.
 */
static VOID WINAPI
svc_main(DWORD argc, LPSTR *argv)
{
	HANDLE	ticker;

	(void)argc;
	(void)argv;
	if ((svc_handle = RegisterServiceCtrlHandlerExA(svc_name, svc_handler,
	    NULL)) == NULL)
		return;
	svc_ticker_end = CreateEventA(NULL, TRUE, FALSE, NULL);
	InterlockedExchange(&svc_active, 1);
	svc_report(SERVICE_START_PENDING, NO_ERROR, 0);
	svc_rc = svc_daemon(svc_argc, svc_argv);
	EnterCriticalSection(&svc_lock);
	ticker = svc_ticker;
	svc_ticker = NULL;
	LeaveCriticalSection(&svc_lock);
	if (ticker != NULL) {
		SetEvent(svc_ticker_end);
		WaitForSingleObject(ticker, INFINITE);
		CloseHandle(ticker);
	}
	InterlockedExchange(&svc_active, 0);
	if (svc_rc == 0)
		svc_report(SERVICE_STOPPED, NO_ERROR, 0);
	else
		svc_report(SERVICE_STOPPED, ERROR_SERVICE_SPECIFIC_ERROR,
		    (DWORD)svc_rc);
}

/* ------------------------------------------------------------ commands */

static void
svc_usage(void)
{
	fprintf(stderr,
	    "usage: dbgbridge service install [-f FILE] [--name NAME] "
	    "[--demand]\n"
	    "       dbgbridge service remove [--name NAME]\n"
	    "       dbgbridge service run [--name NAME] [-f FILE]\n");
}

/*
 * The options of the service commands: -f FILE, --name NAME, and --demand
 * when demand is not NULL.  Returns 0, or -1 (usage said).
 */
static int
svc_options(int argc, char **argv, const char **file, bool *demand)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 && file != NULL && i + 1 < argc)
			*file = argv[++i];
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
			if (svc_set_name(argv[++i]) == -1)
				return (-1);
		} else if (strcmp(argv[i], "--demand") == 0 && demand != NULL)
			*demand = true;
		else {
			svc_usage();
			return (-1);
		}
	}
	return (0);
}

/*
 * The event source of the instance: TypesSupported error, warning and
 * information (the Win32 docs, "Event Sources").  No EventMessageFile: the
 * program has no message table, so each event shows its inserted line.
 * Returns 0, or -1 with the Win32 error in *err.
 */
static int
svc_eventlog_register(DWORD *err)
{
	char	key[sizeof SVC_EVENTLOG_KEY + SVC_NAME_MAX];
	HKEY	h;
	DWORD	types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE |
		    EVENTLOG_INFORMATION_TYPE;
	LONG	rc;

	snprintf(key, sizeof key, "%s%s", SVC_EVENTLOG_KEY, svc_name);
	if ((rc = RegCreateKeyExA(HKEY_LOCAL_MACHINE, key, 0, NULL, 0,
	    KEY_SET_VALUE, NULL, &h, NULL)) != ERROR_SUCCESS) {
		*err = (DWORD)rc;
		return (-1);
	}
	rc = RegSetValueExA(h, "TypesSupported", 0, REG_DWORD,
	    (const BYTE *)&types, sizeof types);
	RegCloseKey(h);
	if (rc != ERROR_SUCCESS) {
		*err = (DWORD)rc;
		return (-1);
	}
	return (0);
}

/*
 * `service install`: CreateService with this program's full path and
 * "service run --name NAME -f FILE" (FILE made absolute: the SCM starts
 * services in the system directory), SERVICE_AUTO_START unless --demand
 * (a gateway is expected to come up with the machine, as stunnel's
 * service does; --demand leaves starting to `sc start`), LocalSystem; its
 * description (ChangeServiceConfig2, SERVICE_CONFIG_DESCRIPTION) and the
 * event source.  Returns 0, 1 (failed, said on stderr) or 2 (usage).
 */
static int
svc_install(int argc, char **argv)
{
	SC_HANDLE		 scm, svc;
	SERVICE_DESCRIPTIONA	 desc;
	const char		*file = NULL;
	char			*def = NULL, *dir, *cmd = NULL, *text = NULL;
	char			 exe[MAX_PATH], full[MAX_PATH], display[96];
	bool			 demand = false;
	DWORD			 n, err;
	int			 rc = 1;

	if (svc_options(argc, argv, &file, &demand) == -1)
		return (2);
	if (file == NULL) {
		if ((dir = gw_os_machine_dir()) == NULL ||
		    asprintf(&def, "%s\\dbgbridge.ini", dir) == -1) {
			free(dir);
			fprintf(stderr, "dbgbridge: out of memory\n");
			return (1);
		}
		free(dir);
		file = def;
	}
	n = GetFullPathNameA(file, sizeof full, full, NULL);
	if (n == 0 || n >= sizeof full) {
		svc_fail(file, n == 0 ? GetLastError() : ERROR_FILENAME_EXCED_RANGE);
		free(def);
		return (1);
	}
	if (GetFileAttributesA(full) == INVALID_FILE_ATTRIBUTES)
		fprintf(stderr, "dbgbridge: service: note: %s does not exist "
		    "yet; the service will not start without it\n", full);
	n = GetModuleFileNameA(NULL, exe, sizeof exe);
	if (n == 0 || n >= sizeof exe) {
		svc_fail("this program's path", n == 0 ? GetLastError() :
		    ERROR_FILENAME_EXCED_RANGE);
		free(def);
		return (1);
	}
	if (asprintf(&cmd, "\"%s\" service run --name %s -f \"%s\"", exe,
	    svc_name, full) == -1 || asprintf(&text, "Relays WinDbg "
	    "transport strings (tcp, ssl, npipe, spipe, com) between smart "
	    "clients and debugging servers; configuration %s", full) == -1) {
		fprintf(stderr, "dbgbridge: out of memory\n");
		goto out;
	}
	if (svc_named)
		snprintf(display, sizeof display, "dbgbridge (%s)", svc_name);
	else
		snprintf(display, sizeof display, "dbgbridge");

	if ((scm = OpenSCManagerA(NULL, NULL, SC_MANAGER_CREATE_SERVICE)) ==
	    NULL) {
		svc_fail("cannot open the Service Control Manager (run as an "
		    "administrator)", GetLastError());
		goto out;
	}
	svc = CreateServiceA(scm, svc_name, display, SERVICE_ALL_ACCESS,
	    SERVICE_WIN32_OWN_PROCESS, demand ? SERVICE_DEMAND_START :
	    SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, cmd, NULL, NULL, NULL,
	    NULL, NULL);
	if (svc == NULL) {
		err = GetLastError();
		if (err == ERROR_SERVICE_EXISTS)
			fprintf(stderr, "dbgbridge: service: %s already exists "
			    "(dbgbridge service remove --name %s first)\n",
			    svc_name, svc_name);
		else
			svc_fail("CreateService", err);
		CloseServiceHandle(scm);
		goto out;
	}
	desc.lpDescription = text;
	if (!ChangeServiceConfig2A(svc, SERVICE_CONFIG_DESCRIPTION, &desc))
		svc_fail("warning: its description", GetLastError());
	if (svc_eventlog_register(&err) == -1)
		svc_fail("warning: the event source (log = eventlog)", err);
	CloseServiceHandle(svc);
	CloseServiceHandle(scm);
	printf("service %s installed (%s start): %s\n"
	    "start it with: sc start %s\n", svc_name, demand ? "demand" :
	    "automatic", cmd, svc_name);
	rc = 0;
out:
	free(cmd);
	free(text);
	free(def);
	return (rc);
}

/*
 * `service remove`: DeleteService, which removes a stopped service at once
 * and a running one once it stops (the Win32 docs, "DeleteService"), and
 * the event source's key.  Returns 0, 1 (failed) or 2 (usage).
 */
static int
svc_remove(int argc, char **argv)
{
	SC_HANDLE	scm, svc;
	SERVICE_STATUS	st;
	char		key[sizeof SVC_EVENTLOG_KEY + SVC_NAME_MAX];
	bool		running;
	DWORD		err;

	if (svc_options(argc, argv, NULL, NULL) == -1)
		return (2);
	if ((scm = OpenSCManagerA(NULL, NULL, SC_MANAGER_CONNECT)) == NULL) {
		svc_fail("cannot open the Service Control Manager (run as an "
		    "administrator)", GetLastError());
		return (1);
	}
	if ((svc = OpenServiceA(scm, svc_name, DELETE |
	    SERVICE_QUERY_STATUS)) == NULL) {
		err = GetLastError();
		if (err == ERROR_SERVICE_DOES_NOT_EXIST)
			fprintf(stderr, "dbgbridge: service: no service %s\n",
			    svc_name);
		else
			svc_fail(svc_name, err);
		CloseServiceHandle(scm);
		return (1);
	}
	running = QueryServiceStatus(svc, &st) &&
	    st.dwCurrentState != SERVICE_STOPPED;
	if (!DeleteService(svc)) {
		svc_fail("DeleteService", GetLastError());
		CloseServiceHandle(svc);
		CloseServiceHandle(scm);
		return (1);
	}
	CloseServiceHandle(svc);
	CloseServiceHandle(scm);
	snprintf(key, sizeof key, "%s%s", SVC_EVENTLOG_KEY, svc_name);
	(void)RegDeleteKeyA(HKEY_LOCAL_MACHINE, key);
	if (running)
		printf("service %s removed; it is still running and goes once "
		    "it stops (sc stop %s)\n", svc_name, svc_name);
	else
		printf("service %s removed\n", svc_name);
	return (0);
}

/*
 * `service run`: what the SCM starts.  The dispatcher returns once the
 * service has stopped; started from a console instead (the dispatcher
 * cannot reach an SCM that did not start us: the Win32 docs,
 * "StartServiceCtrlDispatcher", ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) it
 * is the daemon in the foreground, stopped by Ctrl-C.
 */
static int
svc_run(int argc, char **argv, int (*daemon)(int, char **))
{
	static char		 prog[] = "dbgbridge", opt_f[] = "-f";
	SERVICE_TABLE_ENTRYA	 table[] = {
		{ svc_name, svc_main },
		{ NULL, NULL },
	};
	const char		*file = NULL;
	DWORD			 err;

	if (svc_options(argc, argv, &file, NULL) == -1)
		return (2);
	svc_daemon = daemon;
	svc_argv[svc_argc++] = prog;
	if (file != NULL) {
		svc_argv[svc_argc++] = opt_f;
		svc_argv[svc_argc++] = (char *)file;
	}
	svc_argv[svc_argc] = NULL;
	InitializeCriticalSection(&svc_lock);
	if (StartServiceCtrlDispatcherA(table))
		return (svc_rc);
	err = GetLastError();
	if (err != ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
		svc_fail("StartServiceCtrlDispatcher", err);
		return (1);
	}
	return (daemon(svc_argc, svc_argv));
}

int
gw_os_service_main(int argc, char **argv, int (*daemon)(int, char **))
{
	if (argc >= 2 && strcmp(argv[1], "install") == 0)
		return (svc_install(argc - 1, argv + 1));
	if (argc >= 2 && strcmp(argv[1], "remove") == 0)
		return (svc_remove(argc - 1, argv + 1));
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return (svc_run(argc - 1, argv + 1, daemon));
	svc_usage();
	return (2);
}

/* ------------------------------------------------------------ event log */

bool
gw_os_has_eventlog(void)
{
	return (true);
}

int
gw_os_eventlog_open(char **cause)
{
	char	buf[256];

	*cause = NULL;
	if (svc_eventlog != NULL)
		return (0);
	if ((svc_eventlog = RegisterEventSourceA(NULL, svc_name)) != NULL)
		return (0);
	svc_strerror(GetLastError(), buf, sizeof buf);
	if (asprintf(cause, "event source %s: %s", svc_name, buf) == -1)
		*cause = NULL;
	return (-1);
}

void
gw_os_eventlog_close(void)
{
	if (svc_eventlog == NULL)
		return;
	DeregisterEventSource(svc_eventlog);
	svc_eventlog = NULL;
}

/*
 * Event ids 1 to 4 are the levels error to debug, so that a filter on the
 * id picks a level even without a message file.
 */
void
gw_os_eventlog(enum gw_log_level level, const char *line)
{
	WORD	type;

	if (svc_eventlog == NULL)
		return;
	switch (level) {
	case GW_LOG_ERROR:
		type = EVENTLOG_ERROR_TYPE;
		break;
	case GW_LOG_WARN:
		type = EVENTLOG_WARNING_TYPE;
		break;
	default:
		type = EVENTLOG_INFORMATION_TYPE;
		break;
	}
	(void)ReportEventA(svc_eventlog, type, 0, (DWORD)level + 1, NULL, 1,
	    0, &line, NULL);
}
