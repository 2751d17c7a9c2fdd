// The session: who is logged in, from GET /api/v1/auth/me, and the login and
// logout calls of the auth contract.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, request, setCsrfToken, setUnauthorizedHandler } from './api/client';
import type { Session, User } from './api/types';

interface AuthState {
  status: 'loading' | 'anonymous' | 'authenticated' | 'error';
  user: User | null;
  error: string | null;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const [status, setStatus] = useState<AuthState['status']>('loading');
  const [user, setUser] = useState<User | null>(null);
  const [error, setError] = useState<string | null>(null);

  const accept = (s: Session) => {
    setCsrfToken(s.csrfToken);
    setUser(s.user);
    setStatus('authenticated');
  };

  const check = useCallback(async () => {
    try {
      accept(await request<Session>('GET', '/api/v1/auth/me'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setUser(null);
        setStatus('anonymous');
      } else {
        setError(e instanceof Error ? e.message : String(e));
        setStatus('error');
      }
    }
  }, []);

  useEffect(() => {
    void check();
    setUnauthorizedHandler(() => {
      setUser(null);
      setStatus('anonymous');
    });
    return () => setUnauthorizedHandler(null);
  }, [check]);

  const login = async (username: string, password: string) => {
    accept(await request<Session>('POST', '/api/v1/auth/login', { username, password }));
    setError(null);
  };

  const logout = async () => {
    try {
      await request<void>('POST', '/api/v1/auth/logout');
    } finally {
      setCsrfToken('');
      setUser(null);
      setStatus('anonymous');
      qc.clear();
    }
  };

  return <AuthContext.Provider value={{ status, user, error, login, logout }}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const a = useContext(AuthContext);
  if (!a) throw new Error('useAuth outside AuthProvider');
  return a;
}
