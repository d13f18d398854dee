/**
 * Least-privilege roles. Each API route declares the permission it needs; a role is the set of
 * permissions below. Installers set up cameras and devices but cannot browse recordings; viewers
 * read but command nothing; only operators command pumps and handle events.
 */
export const ROLES = ['admin', 'operator', 'viewer', 'installer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'cameras:read', // camera list, state
  'cameras:write', // add, change, remove cameras
  'footage:read', // recordings, segments, snapshots, clips
  'footage:export', // evidence exports
  'live:view', // live video
  'events:read',
  'events:manage', // acknowledge, assign, close, mark false alarm
  'devices:read', // values, alarms, history
  'devices:command', // run/stop pumps, open valves, acknowledge alarms
  'devices:configure', // profiles, programmes, safety limits
  'system:read', // metrics, detailed status
  'system:configure', // hub-wide settings
  'users:manage',
  'audit:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEWER: Permission[] = ['cameras:read', 'footage:read', 'live:view', 'events:read', 'devices:read'];

export const ROLE_PERMISSIONS = {
  admin: [...PERMISSIONS],
  operator: [...VIEWER, 'footage:export', 'events:manage', 'devices:command'],
  viewer: VIEWER,
  installer: ['cameras:read', 'cameras:write', 'live:view', 'devices:read', 'devices:configure', 'system:read'],
} as const satisfies Record<Role, readonly Permission[]>;

export function roleHas(role: Role, permission: Permission): boolean {
  return (ROLE_PERMISSIONS[role] as readonly Permission[]).includes(permission);
}
