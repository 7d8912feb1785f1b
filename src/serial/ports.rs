//! `atcert ports`: the serial ports the OS knows, with what USB says about them, marked
//! when they belong to a module vendor or a common USB-serial bridge.

use serde::Serialize;

/// One port as listed.
#[derive(Clone, Debug, Serialize)]
pub struct PortInfo {
    pub path: String,
    /// "usb", "pci", "bluetooth" or "other".
    pub kind: &'static str,
    /// "1e0e:9001".
    pub vid_pid: Option<String>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub serial_number: Option<String>,
    /// The USB interface number this port is (Linux and macOS).
    pub interface: Option<u8>,
    /// The vendor, when it is a module vendor or a known bridge.
    pub vendor: Option<&'static str>,
    /// "module", "bridge" or absent.
    pub role: Option<&'static str>,
    /// Whether this is the AT port, as far as the vendor's layout is known.
    pub at_port: AtPort,
}

/// What is known about a port being the module's AT port.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
#[serde(tag = "is", rename_all = "lowercase")]
pub enum AtPort {
    /// The documented layout names this interface the (primary) AT port.
    Yes {
        model: &'static str,
        source: &'static str,
    },
    /// The documented layout gives this interface another use.
    No {
        model: &'static str,
        at_interface: u8,
        source: &'static str,
    },
    /// No layout we have a source for; try the port (`atcert detect`).
    Unknown,
}

/// USB vendor ids of module makers and of the common bridges.
const VENDORS: &[(u16, &str, &str)] = &[
    (0x1e0e, "SIMCom", "module"),
    (0x2c7c, "Quectel", "module"),
    (0x1546, "u-blox", "module"),
    (0x1bc7, "Telit", "module"),
    (0x1915, "Nordic Semiconductor", "module"),
    (0x303a, "Espressif", "module"),
    (0x1199, "Sierra Wireless", "module"),
    (0x0403, "FTDI", "bridge"),
    (0x10c4, "Silicon Labs CP210x", "bridge"),
    (0x1a86, "WCH CH340", "bridge"),
    (0x067b, "Prolific", "bridge"),
];

// Which interface carries AT commands, per product: ModemManager's udev port-type rules
// (ID_MM_PORT_TYPE_AT_PRIMARY), repository linux-mobile-broadband/ModemManager:
const MM_SIMTECH: &str = "ModemManager src/plugins/simtech/77-mm-simtech-port-types.rules";
const MM_QUECTEL: &str = "ModemManager src/plugins/quectel/77-mm-quectel-port-types.rules";
const MM_TELIT: &str = "ModemManager src/plugins/telit/77-mm-telit-port-types.rules";
const MM_UBLOX: &str = "ModemManager src/plugins/ublox/77-mm-ublox-port-types.rules";

/// (vid, pid, model, AT interface, source). Products not listed: unknown.
const AT_INTERFACES: &[(u16, u16, &str, u8, &str)] = &[
    (0x1e0e, 0x9001, "SIM7000/SIM7100/SIM7600", 2, MM_SIMTECH),
    (0x1e0e, 0x9205, "SIM7070/SIM7080/SIM7090", 2, MM_SIMTECH),
    (0x1e0e, 0x9206, "SIM7070/SIM7080/SIM7090", 2, MM_SIMTECH),
    (0x1e0e, 0x9011, "A7600E-H/A7602E-H", 4, MM_SIMTECH),
    (0x2c7c, 0x0296, "BG96", 2, MM_QUECTEL),
    (0x2c7c, 0x0125, "EC25/EG25", 2, MM_QUECTEL),
    (0x2c7c, 0x0121, "EC21", 2, MM_QUECTEL),
    (0x2c7c, 0x0191, "EG91", 2, MM_QUECTEL),
    (0x2c7c, 0x0195, "EG95", 2, MM_QUECTEL),
    (0x2c7c, 0x0306, "EG06", 2, MM_QUECTEL),
    (0x2c7c, 0x0512, "EG12", 2, MM_QUECTEL),
    (0x2c7c, 0x0800, "RM500", 2, MM_QUECTEL),
    (0x1bc7, 0x1201, "LE910C1", 4, MM_TELIT),
    (0x1bc7, 0x1204, "LE910C1 (MBIM)", 5, MM_TELIT),
    (0x1bc7, 0x1031, "LE910C1-EUX", 1, MM_TELIT),
    (0x1bc7, 0x1033, "LE910C1-EUX (ECM)", 1, MM_TELIT),
    (0x1546, 0x1102, "LISA-U2/SARA-U2", 0, MM_UBLOX),
    (0x1546, 0x1107, "TOBY-R2", 0, MM_UBLOX),
    (0x1546, 0x110a, "LARA-R2", 0, MM_UBLOX),
    (0x1546, 0x1010, "TOBY-L4", 6, MM_UBLOX),
];

/// Marks a port from its USB ids and interface number.
pub fn classify(
    vid: u16,
    pid: u16,
    interface: Option<u8>,
) -> (Option<&'static str>, Option<&'static str>, AtPort) {
    let vendor = VENDORS.iter().find(|(v, _, _)| *v == vid);
    let at = AT_INTERFACES
        .iter()
        .find(|(v, p, ..)| *v == vid && *p == pid)
        .and_then(|&(_, _, model, at_if, source)| match interface {
            Some(i) if i == at_if => Some(AtPort::Yes { model, source }),
            Some(_) => Some(AtPort::No {
                model,
                at_interface: at_if,
                source,
            }),
            None => None,
        })
        .unwrap_or(AtPort::Unknown);
    (vendor.map(|v| v.1), vendor.map(|v| v.2), at)
}

/// Every serial port the OS lists.
pub fn list() -> Result<Vec<PortInfo>, String> {
    // serialport panics when Linux has no /sys/class/tty (some containers): no ports.
    if cfg!(target_os = "linux") && !std::path::Path::new("/sys/class/tty").exists() {
        return Ok(Vec::new());
    }
    let ports = serialport::available_ports().map_err(|e| e.to_string())?;
    let mut out: Vec<PortInfo> = ports
        .into_iter()
        .map(|p| {
            let path = p.port_name;
            match p.port_type {
                serialport::SerialPortType::UsbPort(u) => {
                    let (vendor, role, at_port) = classify(u.vid, u.pid, u.interface);
                    PortInfo {
                        path,
                        kind: "usb",
                        vid_pid: Some(format!("{:04x}:{:04x}", u.vid, u.pid)),
                        manufacturer: u.manufacturer,
                        product: u.product,
                        serial_number: u.serial_number,
                        interface: u.interface,
                        vendor,
                        role,
                        at_port,
                    }
                }
                other => PortInfo {
                    path,
                    kind: match other {
                        serialport::SerialPortType::PciPort => "pci",
                        serialport::SerialPortType::BluetoothPort => "bluetooth",
                        _ => "other",
                    },
                    vid_pid: None,
                    manufacturer: None,
                    product: None,
                    serial_number: None,
                    interface: None,
                    vendor: None,
                    role: None,
                    at_port: AtPort::Unknown,
                },
            }
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_layouts_mark_the_at_interface_only() {
        let (vendor, role, at) = classify(0x2c7c, 0x0296, Some(2));
        assert_eq!((vendor, role), (Some("Quectel"), Some("module")));
        assert!(matches!(at, AtPort::Yes { model: "BG96", .. }));
        assert!(matches!(
            classify(0x2c7c, 0x0296, Some(0)).2,
            AtPort::No {
                at_interface: 2,
                ..
            }
        ));
        // A vendor we know with a product we have no layout for.
        assert_eq!(classify(0x1199, 0x68c0, Some(3)).2, AtPort::Unknown);
        let (vendor, role, at) = classify(0x10c4, 0xea60, Some(0));
        assert_eq!(
            (vendor, role, at),
            (Some("Silicon Labs CP210x"), Some("bridge"), AtPort::Unknown)
        );
        assert_eq!(
            classify(0x1234, 0x5678, None),
            (None, None, AtPort::Unknown)
        );
    }
}
